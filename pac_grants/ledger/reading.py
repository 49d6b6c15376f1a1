"""Balances read from the postings (docs/ledger.md "Reading it").

A balance is the sum of an account's postings; "as of" a date keeps the transactions
whose effective date is on or before it. These are the reads the pipeline needs
(``balance``, ``allocated``, ``outstanding``, ``funded``); the finance views are built
on them in :mod:`pac_grants.ledger.views`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

from models.ledger import ACCOUNTS, POSTINGS, TRANSACTIONS

TX = TRANSACTIONS
__all__ = ["ACCOUNTS", "POSTINGS", "TX"]
ALLOCATING = ("allocation", "adjustment")
GRANT_ACCOUNTS = ("payable", "receivable")  # where allocations and adjustments post


def _as_of(statement: Select[Any], as_of: date | None) -> Select[Any]:
    return statement if as_of is None else statement.where(TX.c.effective_date <= as_of)


def balance(connection: Connection, account: str, as_of: date | None = None) -> int:
    """Sum of the account's postings (centimes); 0 for an account never posted to."""
    statement = select(func.coalesce(func.sum(POSTINGS.c.amount), 0)).where(
        POSTINGS.c.account == account
    )
    if as_of is not None:
        statement = statement.join(TX, TX.c.id == POSTINGS.c.transaction_id)
    return int(connection.scalar(_as_of(statement, as_of)) or 0)


def allocated(
    connection: Connection, cycle: int, as_of: date | None = None
) -> dict[tuple[str | None, str], int]:
    """(window, commune) -> the commune's grant: its allocation and adjustment postings
    (to payable, and to receivable when a decrease exceeded what was unpaid), centimes."""
    return _by_window_and_commune(
        connection, as_of, TX.c.cycle == cycle, TX.c.kind.in_(ALLOCATING),
        ACCOUNTS.c.type.in_(GRANT_ACCOUNTS), ACCOUNTS.c.cycle == cycle)


def commune_balances(connection: Connection, code: str, types: Iterable[str],
                     as_of: date | None = None) -> dict[str, int]:
    """Account name -> balance of a commune's accounts of the given types, every cycle."""
    statement = (
        select(ACCOUNTS.c.name, func.sum(POSTINGS.c.amount))
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .where(ACCOUNTS.c.commune_code == code, ACCOUNTS.c.type.in_(list(types)))
        .group_by(ACCOUNTS.c.name)
    )
    return {name: int(total) for name, total in connection.execute(_as_of(statement, as_of))}


def paid_by_offset(connection: Connection, cycle: int,
                   as_of: date | None = None) -> dict[str, int]:
    """commune -> what of its ``paid`` for the cycle was settled by offsetting an older
    debt (docs/rules.md s8.3) rather than paid in cash."""
    statement = (
        select(ACCOUNTS.c.commune_code, func.sum(POSTINGS.c.amount))
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .where(TX.c.kind == "offset", ACCOUNTS.c.cycle == cycle, ACCOUNTS.c.type == "paid",
               POSTINGS.c.amount > 0)
        .group_by(ACCOUNTS.c.commune_code)
    )
    return {str(code): int(total) for code, total in connection.execute(_as_of(statement, as_of))}


def debt_since(connection: Connection, cycle: int, code: str) -> date | None:
    """The effective date of the last adjustment that made the commune owe money."""
    statement = (
        select(func.max(TX.c.effective_date))
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .where(POSTINGS.c.account == f"receivable:{cycle}:{code}", POSTINGS.c.amount < 0)
    )
    found = connection.scalar(statement)
    return None if found is None else date.fromisoformat(str(found)[:10])


def account_balances(
    connection: Connection, cycle: int, types: Iterable[str], as_of: date | None = None
) -> dict[str, int]:
    """Account name -> balance for the cycle's accounts of the given types."""
    statement = (
        select(ACCOUNTS.c.name, func.sum(POSTINGS.c.amount))
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .where(ACCOUNTS.c.cycle == cycle, ACCOUNTS.c.type.in_(list(types)))
        .group_by(ACCOUNTS.c.name)
    )
    return {name: int(total) for name, total in connection.execute(_as_of(statement, as_of))}


def cycles(connection: Connection) -> list[int]:
    """The cycles that have at least one transaction, in order."""
    return [int(c) for c in connection.scalars(select(TX.c.cycle).distinct().order_by(TX.c.cycle))]


def windows(connection: Connection, cycle: int) -> list[str]:
    """The cycle's windows in the order they were first posted (envelopes first)."""
    first = func.min(TX.c.sequence)
    statement = (
        select(TX.c.window, first)
        .where(TX.c.cycle == cycle, TX.c.window.is_not(None))
        .group_by(TX.c.window)
        .order_by(first)
    )
    return [str(window) for window, _ in connection.execute(statement)]


def is_closed(connection: Connection, cycle: int) -> bool:
    """A cycle is closed once it has an allocation transaction (docs/ledger.md s3)."""
    statement = select(TX.c.id).where(TX.c.cycle == cycle, TX.c.kind == "allocation").limit(1)
    return connection.scalar(statement) is not None


def eligible(connection: Connection, cycle: int) -> dict[str, int]:
    """window -> eligible communes at the latest approval: ``details["eligible"]`` of its
    allocation, then ``details["eligible_by_window"]`` of each re-approval's adjustments
    (an older ledger's adjustments have neither: the allocation's count stays)."""
    statement = (
        select(TX.c.window, TX.c.details)
        .where(TX.c.cycle == cycle, TX.c.kind.in_(ALLOCATING))
        .order_by(TX.c.sequence)
    )
    found: dict[str, int] = {}
    for window, details in connection.execute(statement):
        if not isinstance(details, dict):
            continue
        if isinstance(details.get("eligible"), int):
            found[str(window)] = int(details["eligible"])
        by_window = details.get("eligible_by_window")
        if isinstance(by_window, dict):
            found.update({str(w): int(n) for w, n in by_window.items()})
    return found


def _by_window_and_commune(
    connection: Connection, as_of: date | None, *conditions: ColumnElement[bool]
) -> dict[tuple[str | None, str], int]:
    """Sum of the postings matching ``conditions`` by (transaction window, commune)."""
    statement = (
        select(TX.c.window, ACCOUNTS.c.commune_code, func.sum(POSTINGS.c.amount))
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .where(*conditions)
        .group_by(TX.c.window, ACCOUNTS.c.commune_code)
    )
    rows = connection.execute(_as_of(statement, as_of))
    return {(window, code): int(total) for window, code, total in rows}


def pool_movements(connection: Connection, cycle: int) -> dict[str, dict[str, int]]:
    """Per window of the cycle: what its pool account holds (``balance``), what the
    grants took (``allocated``), what was carried in and out (centimes)."""
    statement = (
        select(ACCOUNTS.c.window, TX.c.kind, func.sum(POSTINGS.c.amount))
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .where(ACCOUNTS.c.cycle == cycle, ACCOUNTS.c.type == "pool")
        .group_by(ACCOUNTS.c.window, TX.c.kind)
    )
    found: dict[str, dict[str, int]] = {}
    for window, kind, total in connection.execute(statement):
        moves = found.setdefault(str(window), {"balance": 0})
        moves["balance"] += int(total)
        if kind in ALLOCATING:
            moves["allocated"] = moves.get("allocated", 0) - int(total)
        elif kind == "carry_over":
            key = "carried_in" if int(total) > 0 else "carried_out"
            moves[key] = moves.get(key, 0) + abs(int(total))
    return found


def commune_windows(connection: Connection, cycle: int,
                    as_of: date | None = None) -> dict[str, str]:
    """The window of each commune: the one of its latest allocation or adjustment."""
    statement = (
        select(ACCOUNTS.c.commune_code, TX.c.window, TX.c.sequence)
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .where(TX.c.cycle == cycle, TX.c.kind.in_(ALLOCATING), TX.c.window.is_not(None),
               ACCOUNTS.c.commune_code.is_not(None))
        .order_by(TX.c.sequence)
    )
    return {str(code): str(window)
            for code, window, _seq in connection.execute(_as_of(statement, as_of))}
