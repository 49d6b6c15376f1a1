"""A commune's statement: its transactions in order, with running balances and the
reason of each (docs/ledger.md "Reading it").

Entries are grouped by cycle, in ledger order within a cycle, because running balances
are per cycle (accounts are per cycle; an ``offset`` touches two cycles, so it is an
entry in each): ``allocated`` (the grant: allocation and adjustment postings, to payable
and receivable), ``paid`` (net of what came back), ``outstanding`` (payable + ordered:
granted and not paid) and ``to_recover`` (minus receivable), as docs/ledger.md s4 defines
them, so that the last running balance of a cycle is the commune's line of ``ledger
balances``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from models.responses import CommuneRef, RunningBalance, Statement, StatementEntry
from pac_grants.ledger.errors import NotFound
from pac_grants.ledger.reading import ACCOUNTS, ALLOCATING, POSTINGS, TX
from pac_grants.ledger.views import commune_names


def statement(connection: Connection, code: str, cycle: int | None = None) -> Statement:
    """The commune's statement, all cycles or one; :class:`NotFound` if it has none."""
    query = (
        select(TX.c.sequence, TX.c.id, TX.c.kind, ACCOUNTS.c.cycle, TX.c.window,
               TX.c.effective_date, TX.c.reason, ACCOUNTS.c.type, POSTINGS.c.amount)
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .where(ACCOUNTS.c.commune_code == code)
        .order_by(TX.c.sequence, POSTINGS.c.position)
    )
    if cycle is not None:
        query = query.where(ACCOUNTS.c.cycle == cycle)
    entries = _entries(list(connection.execute(query)))
    if not entries:
        scope = "" if cycle is None else f" in cycle {cycle}"
        raise NotFound(f"commune {code} has no transaction{scope} in the ledger")
    fr, ar = commune_names(connection, [code]).get(code, (None, None))
    return Statement(commune=CommuneRef(code=code, name_fr=fr, name_ar=ar), cycle=cycle,
                     entries=entries)


def _entries(rows: list[Any]) -> list[StatementEntry]:
    grouped: dict[tuple[str, int], list[Any]] = {}
    for row in rows:
        grouped.setdefault((row.id, row.cycle), []).append(row)
    running: dict[int, RunningBalance] = {}
    entries = []
    for lines in grouped.values():
        first = lines[0]
        change = _change(lines)
        before = running.get(first.cycle, RunningBalance(allocated=0, paid=0, outstanding=0))
        after = running[first.cycle] = RunningBalance(**{
            name: getattr(before, name) + getattr(change, name) for name in MEASURES})
        entries.append(StatementEntry(
            sequence=first.sequence, transaction=first.id, kind=first.kind, cycle=first.cycle,
            window=first.window, effective_date=first.effective_date, reason=first.reason,
            **change.model_dump(), balance=after))
    return sorted(entries, key=lambda e: (e.cycle, e.sequence))


MEASURES = ("allocated", "paid", "outstanding", "to_recover")


def _change(lines: list[Any]) -> RunningBalance:
    """What one transaction changed on the commune's accounts of one cycle."""
    def total(*types: str) -> int:
        return sum(r.amount for r in lines if r.type in types)

    grant = total("payable", "receivable") if lines[0].kind in ALLOCATING else 0
    return RunningBalance(allocated=grant, paid=total("paid"),
                          outstanding=total("payable", "ordered"),
                          to_recover=-total("receivable"))
