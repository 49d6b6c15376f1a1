"""A commune's statement: its transactions in order, with running balances and the
reason of each (ledger.md "Reading it").

Entries are grouped by cycle, in ledger order within a cycle, because running balances
are per cycle (accounts are per cycle): ``allocated`` (what allocations and adjustments
post to payable and receivable: the grant), ``paid`` and ``outstanding`` (payable +
ordered: granted and not paid; docs/ledger.md s4).
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
        select(TX.c.sequence, TX.c.id, TX.c.kind, TX.c.cycle, TX.c.window,
               TX.c.effective_date, TX.c.reason, ACCOUNTS.c.type, POSTINGS.c.amount)
        .select_from(POSTINGS)
        .join(TX, TX.c.id == POSTINGS.c.transaction_id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .where(ACCOUNTS.c.commune_code == code)
        .order_by(TX.c.sequence, POSTINGS.c.position)
    )
    if cycle is not None:
        query = query.where(TX.c.cycle == cycle)
    entries = _entries(list(connection.execute(query)))
    if not entries:
        scope = "" if cycle is None else f" in cycle {cycle}"
        raise NotFound(f"commune {code} has no transaction{scope} in the ledger")
    fr, ar = commune_names(connection, [code]).get(code, (None, None))
    return Statement(commune=CommuneRef(code=code, name_fr=fr, name_ar=ar), cycle=cycle,
                     entries=entries)


def _entries(rows: list[Any]) -> list[StatementEntry]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.id, []).append(row)
    running: dict[int, tuple[int, int, int]] = {}
    entries = []
    for lines in grouped.values():
        first = lines[0]
        moved = {t: sum(r.amount for r in lines if r.type == t)
                 for t in ("payable", "ordered", "paid", "receivable")}
        paid, outstanding = moved["paid"], moved["payable"] + moved["ordered"]
        allocated = moved["payable"] + moved["receivable"] if first.kind in ALLOCATING else 0
        total_a, total_p, total_o = running.get(first.cycle, (0, 0, 0))
        running[first.cycle] = (total_a + allocated, total_p + paid, total_o + outstanding)
        balance_a, balance_p, balance_o = running[first.cycle]
        entries.append(StatementEntry(
            sequence=first.sequence, transaction=first.id, kind=first.kind, cycle=first.cycle,
            window=first.window, effective_date=first.effective_date, reason=first.reason,
            allocated=allocated, paid=paid, outstanding=outstanding,
            balance=RunningBalance(allocated=balance_a, paid=balance_p, outstanding=balance_o)))
    return sorted(entries, key=lambda e: (e.cycle, e.sequence))
