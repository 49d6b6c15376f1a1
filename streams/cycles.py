"""Recomputing a cycle from the stored state, publishing it, and posting an approval.

A cycle's allocation needs every commune of the cycle, while assessments are keyed by
commune and spread over partitions (docs/events.md). The state lives in the database,
so this code reads all of a cycle's inputs through the read side, inside the batch's
transaction, which holds the ledger's writer lock (docs/pipeline.md).

Ledger effects happen only at an approval (streams/treasury.py); a recomputation here
only publishes.
"""

from __future__ import annotations

import json
import time

from models.codes import ResultStatus
from models.results import published_json
from pac_grants import readside
from pac_grants.ledger import UnitOfWork
from pac_grants.rules.engine import CycleResult
from streams.context import BatchContext


def compute(ctx: BatchContext, number: int) -> CycleResult:
    """The cycle's allocation over the state as the batch left it (the read side, on the
    batch's unit of work, after the batch's pending rows are written)."""
    ctx.cache.flush()
    started = time.perf_counter()
    result = readside.cycle_result(ctx.uow, number)
    seconds = time.perf_counter() - started
    for w in result.windows:
        ctx.outcome.allocations.append((number, w.window.id, w.pool, w.allocated,
                                        w.unallocated, w.eligible_count, seconds))
    return result


def publish(uow: UnitOfWork, topic: str, result: CycleResult, status: ResultStatus) -> None:
    """One record per window on ``pac.allocations.v1`` (key ``cycle:window``), via the
    outbox, and the latest result per window in ``allocation_results``."""
    whole = published_json(result, status)
    for window_json in whole["windows"]:
        value = whole | {"window": window_json["window"], "windows": [window_json]}
        key = f"{result.cycle}:{window_json['window']}".encode()
        uow.outbox.enqueue(topic, key, json.dumps(value, separators=(",", ":")).encode())
        uow.results.record(
            cycle=result.cycle, window=window_json["window"], status=status,
            ruleset_id=result.ruleset.id, ruleset_digest=result.ruleset.digest,
            inputs_digest=result.inputs_digest, result=window_json)


def refresh(ctx: BatchContext, number: int,
            status: ResultStatus = ResultStatus.PROVISIONAL) -> CycleResult | None:
    """Recompute a cycle whose inputs count (not approved) and publish it."""
    cycle = ctx.cache.cycle(number)
    if cycle is None or cycle.approved:
        return None  # not opened yet (held), or frozen
    result = compute(ctx, number)
    publish(ctx.uow, ctx.topic("allocations"), result, status)
    return result
