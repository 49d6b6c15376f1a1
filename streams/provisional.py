"""Provisional results of open cycles, computed beside the batches (docs/events.md Outputs).

A provisional result writes nothing to the ledger, so it does not need the ledger's
writer lock for its (possibly long) recomputation: it computes in a read-only reader,
then, in a short unit of work without the chain lock, checks that the cycle is still
open and queues the result. The cycle's row is locked first (``FOR UPDATE``; SQLite's
``BEGIN IMMEDIATE``), so a ``CycleClosed`` committing meanwhile either comes after (its
final result is queued after this one) or before (this one is dropped): a provisional
result never follows the final one on ``pac.allocations.v1``.
"""

from __future__ import annotations

import time

from pac_grants import readside
from pac_grants.ledger import Ledger
from pac_grants.rules.engine import CycleResult
from streams import cycles
from streams.messages import BatchOutcome


def publish_provisional(ledger: Ledger, allocations_topic: str, numbers: set[int]
                        ) -> BatchOutcome:
    outcome = BatchOutcome()
    computed: list[tuple[CycleResult, float]] = []
    with ledger.reader() as reader:
        for number in sorted(numbers):
            cycle = reader.state.cycle(number)
            if cycle is not None and cycle.status == "open":
                started = time.perf_counter()
                computed.append((readside.cycle_result(reader, number),
                                 time.perf_counter() - started))
    if not computed:
        return outcome
    with ledger.unit_of_work(chain=False) as uow:
        for result, seconds in computed:
            if uow.state.lock_cycle(result.cycle) != "open":
                continue
            cycles.publish(uow, allocations_topic, result, "provisional")
            for w in result.windows:
                outcome.allocations.append((result.cycle, w.window.id, w.pool, w.allocated,
                                            w.unallocated, w.eligible_count, seconds))
        uow.commit()
    return outcome
