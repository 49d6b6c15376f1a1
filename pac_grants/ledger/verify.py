"""``verify``: recompute every invariant of docs/ledger.md s5 and report the first break.

One streamed pass over the transactions and their postings in ``sequence`` order (a
server-side cursor on PostgreSQL: memory stays flat however long the ledger): sequence
contiguous from 1, each transaction non-empty and balanced, ``prev_hash`` equal to the
previous ``hash``, ``hash`` equal to the hash of the stored content; at the end, the sum
of all balances is zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, select

from pac_grants.ledger.hashing import GENESIS, transaction_hash
from pac_grants.ledger.reading import POSTINGS, TX


@dataclass(frozen=True)
class VerifyReport:
    transactions: int
    violation: str | None = None
    transaction_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.violation is None

    def line(self) -> str:
        if self.ok:
            return f"ok: {self.transactions} transactions, chain intact"
        return f"FAILED: {self.violation}"


def verify(connection: Connection, batch: int = 2000) -> VerifyReport:
    expected_sequence, prev_hash, grand_total, count = 1, GENESIS, 0, 0
    path = _MoneysPath()
    for row, postings in _transactions(connection, batch):
        problem = _check(row, postings, expected_sequence, prev_hash) or path.add(row, postings)
        if problem is not None:
            where = f"transaction {row['id']!r} (sequence {row['sequence']})"
            return VerifyReport(count, f"{where}: {problem}", row["id"])
        grand_total += sum(amount for _, amount in postings)
        expected_sequence, prev_hash, count = row["sequence"] + 1, row["hash"], count + 1
    if grand_total != 0:
        return VerifyReport(count, f"the sum of all balances is {grand_total} centimes, not 0")
    broken = path.broken()
    return VerifyReport(count) if broken is None else VerifyReport(count, broken)


#: Accounts of a commune (docs/ledger.md s2) and the kinds that change its grant.
_COMMUNE = ("payable", "ordered", "paid", "receivable")
_GRANT = ("allocation", "adjustment")


class _MoneysPath:
    """docs/ledger.md s4: for every commune and cycle, allocated = payable + ordered +
    paid + receivable. Only allocations and adjustments change a commune's total; every
    other kind moves money between its accounts of one cycle (an offset: within each of
    its two cycles). And no receivable is positive, no ordered balance negative."""

    def __init__(self) -> None:
        self.balances: dict[str, int] = {}

    def add(self, row: dict[str, Any], postings: list[tuple[str, int]]) -> str | None:
        moved: dict[tuple[str, str], int] = {}
        for account, amount in postings:
            kind, cycle, rest = account.split(":", 2)
            if kind in _COMMUNE:
                self.balances[account] = self.balances.get(account, 0) + amount
                moved[(cycle, rest)] = moved.get((cycle, rest), 0) + amount
        if row["kind"] in _GRANT:
            return None
        unbalanced = sorted(key for key, total in moved.items() if total)
        if unbalanced:
            cycle, code = unbalanced[0]
            return (f"a {row['kind']} changes what commune {code} was granted in cycle "
                    f"{cycle} (allocated must equal payable + ordered + paid + receivable)")
        return None

    def broken(self) -> str | None:
        for account, balance in sorted(self.balances.items()):
            kind = account.split(":", 1)[0]
            if (kind == "receivable" and balance > 0) or (kind == "ordered" and balance < 0):
                return f"account {account} has the wrong sign: {balance} centimes"
        return None


def _check(
    row: dict[str, Any], postings: list[tuple[str, int]], sequence: int, prev_hash: str
) -> str | None:
    if row["sequence"] != sequence:
        return f"sequence should be {sequence} (a transaction is missing or out of order)"
    if not postings:
        return "has no postings"
    total = sum(amount for _, amount in postings)
    if total != 0:
        return f"postings sum to {total} centimes, not 0 (unbalanced)"
    if row["prev_hash"] != prev_hash:
        return "prev_hash does not match the previous transaction's hash (chain broken)"
    if transaction_hash(row, postings, prev_hash) != row["hash"]:
        return "stored content does not match its hash (altered after posting)"
    return None


def _transactions(
    connection: Connection, batch: int
) -> Iterator[tuple[dict[str, Any], list[tuple[str, int]]]]:
    query = (
        select(TX, POSTINGS.c.position, POSTINGS.c.account, POSTINGS.c.amount)
        .outerjoin(POSTINGS, POSTINGS.c.transaction_id == TX.c.id)
        .order_by(TX.c.sequence, POSTINGS.c.position)
    )
    result = connection.execute(query.execution_options(yield_per=batch))
    for _, rows in groupby(result.mappings(), key=lambda r: r["sequence"]):
        lines = list(rows)
        postings = [(r["account"], int(r["amount"])) for r in lines if r["account"] is not None]
        yield dict(lines[0]), postings
