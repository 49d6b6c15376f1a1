"""A commune's statement: its transactions in order, with running balances and the
reason of each (ledger.md "Reading it").

Entries are grouped by cycle, in ledger order within a cycle, because running balances
are per cycle (accounts are per cycle): ``allocated`` (allocation and
adjustments), ``paid`` and ``outstanding`` (= the payable balance; negative after a
downward adjustment of a paid grant: money to recover).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from pac_grants import money
from pac_grants.ledger.errors import NotFound
from pac_grants.ledger.reading import ACCOUNTS, ALLOCATING, POSTINGS, TX
from pac_grants.ledger.views import commune_names


@dataclass(frozen=True)
class StatementEntry:
    sequence: int
    transaction: str
    kind: str
    cycle: int
    window: str | None
    effective_date: date
    reason: str
    allocated: int  # change of allocated by this transaction
    paid: int  # change of paid
    outstanding: int  # change of the payable balance
    balance_allocated: int
    balance_paid: int
    balance_outstanding: int

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "transaction": self.transaction,
            "kind": self.kind,
            "cycle": self.cycle,
            "window": self.window,
            "effective_date": self.effective_date.isoformat(),
            "reason": self.reason,
            "allocated": money.text(self.allocated),
            "paid": money.text(self.paid),
            "outstanding": money.text(self.outstanding),
            "balance": {
                "allocated": money.text(self.balance_allocated),
                "paid": money.text(self.balance_paid),
                "outstanding": money.text(self.balance_outstanding),
            },
        }


@dataclass(frozen=True)
class Statement:
    code: str
    name_fr: str | None
    name_ar: str | None
    entries: tuple[StatementEntry, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "commune": {"code": self.code, "name_fr": self.name_fr, "name_ar": self.name_ar},
            "entries": [e.to_json() for e in self.entries],
        }


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
    return Statement(code, fr, ar, tuple(entries))


def _entries(rows: list[Any]) -> list[StatementEntry]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.id, []).append(row)
    running: dict[int, tuple[int, int, int]] = {}
    entries = []
    for lines in grouped.values():
        first = lines[0]
        payable = sum(r.amount for r in lines if r.type == "payable")
        paid = sum(r.amount for r in lines if r.type == "paid")
        allocated = payable if first.kind in ALLOCATING else 0
        total_a, total_p, total_o = running.get(first.cycle, (0, 0, 0))
        running[first.cycle] = (total_a + allocated, total_p + paid, total_o + payable)
        entries.append(
            StatementEntry(
                first.sequence, first.id, first.kind, first.cycle, first.window,
                first.effective_date, first.reason, allocated, paid, payable,
                *running[first.cycle],
            )
        )
    return sorted(entries, key=lambda e: (e.cycle, e.sequence))
