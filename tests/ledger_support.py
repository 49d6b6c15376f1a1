"""Writing to a ledger in tests, through its one write path (the unit of work).

The calculator writes only inside the worker's batches; tests that build a ledger by
hand (fixtures, the ledger's contract suite) use the same unit of work, one transaction
per call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pac_grants.ledger import AllocationResult, Ledger, PostResult, TransactionSpec


def post_many(ledger: Ledger, specs: Sequence[TransactionSpec]) -> list[PostResult]:
    """Post ``specs`` in one transaction; the results say which keys were duplicates."""
    with ledger.unit_of_work() as uow:
        results = uow.postings.post(specs)
        uow.commit()
    return results


def post(ledger: Ledger, spec: TransactionSpec) -> PostResult:
    return post_many(ledger, [spec])[0]


def upsert_communes(ledger: Ledger, rows: Iterable[Mapping[str, Any]]) -> int:
    with ledger.unit_of_work(chain=False) as uow:
        count = uow.communes.upsert(rows)
        uow.commit()
    return count


def record_dead_letter(ledger: Ledger, **fields: Any) -> bool:
    with ledger.unit_of_work(chain=False) as uow:
        stored = uow.dead_letters.record(**fields)
        uow.commit()
    return stored


def record_allocation_result(ledger: Ledger, **fields: Any) -> None:
    with ledger.unit_of_work(chain=False) as uow:
        uow.results.record(**fields)
        uow.commit()


def funded(ledger: Ledger, cycle: int, window: str) -> int:
    """The window's pool envelope: minus the funding account's balance (centimes)."""
    return -ledger.balance(f"funding:{cycle}:{window}")


def latest_result(ledger: Ledger, cycle: int, window: str) -> AllocationResult | None:
    with ledger.reader() as reader:
        return reader.results.latest(cycle, window)
