"""Provisional results of open cycles, computed beside the batches (events.md Outputs).

A provisional result writes nothing to the ledger, so it does not need the ledger's
writer lock for its (possibly long) recomputation: it computes from a read transaction,
then, in a short write transaction, checks that the cycle is still open and queues the
result. The cycle's row is locked first (``FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE``),
so a ``CycleClosed`` committing meanwhile either comes after (its final result is queued
after this one) or before (this one is dropped): a provisional result never follows the
final one on ``pac.allocations.v1``.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from models import state as t
from pac_grants.ledger import Ledger
from pac_grants.ledger.database import WRITE
from pac_grants.rules.engine import CycleResult
from streams import cycles
from streams.cache import BatchState
from streams.messages import BatchOutcome


def publish_provisional(ledger: Ledger, allocations_topic: str, numbers: set[int]
                        ) -> BatchOutcome:
    outcome = BatchOutcome()
    computed: list[tuple[CycleResult, float]] = []
    with ledger.engine.connect() as conn, conn.begin():
        cache = BatchState(conn)
        for number in sorted(numbers):
            cycle = cache.cycle(number)
            if cycle is not None and cycle.status == "open":
                started = time.perf_counter()
                computed.append((cycles.compute(conn, cycle, cache),
                                 time.perf_counter() - started))
    if not computed:
        return outcome
    with ledger.engine.connect() as conn:
        conn.execution_options(**{WRITE: True})  # SQLite: BEGIN IMMEDIATE
        with conn.begin():
            for result, seconds in computed:
                status = conn.execute(select(t.cycles.c.status).where(
                    t.cycles.c.cycle == result.cycle).with_for_update()).scalar_one()
                if status != "open":
                    continue
                cycles.publish(conn, allocations_topic, result, "provisional")
                for w in result.windows:
                    outcome.allocations.append((result.cycle, w.window.id, w.pool,
                                                w.allocated, w.unallocated,
                                                w.eligible_count, seconds))
    return outcome



