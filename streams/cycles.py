"""Recomputing a cycle from the stored state, publishing it, and posting an approval.

A cycle's allocation needs every commune of the cycle, while assessments are keyed by
commune and spread over partitions (docs/events.md). The state lives in the database,
so this code reads all of a cycle's inputs through the read side, inside the batch's
transaction, which holds the ledger's writer lock (docs/pipeline.md).

Ledger effects (docs/ledger.md "Transactions") happen only at an approval: the first
``CycleClosed`` posts one ``allocation`` per window; a later one (after a
``CycleReopened``) posts an ``adjustment`` per window with the differences between the
new amounts and what the ledger holds, both effective on the approval's ``closed_on``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import date
from typing import Any

from models.codes import ResultStatus, TransactionKind
from models.results import published_json
from pac_grants import money, readside
from pac_grants.ledger import Posting, TransactionSpec, UnitOfWork
from pac_grants.rules.engine import CycleResult, WindowResult
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


def settle(uow: UnitOfWork, result: CycleResult, causes: Iterable[str], closed_on: date,
           approval: int) -> list[TransactionSpec]:
    """The transactions that bring the ledger to ``result`` at approval number
    ``approval``: ``allocation`` per window at the first, else ``adjustment`` of the
    differences (none for a window whose amounts did not change)."""
    current = uow.postings.allocated(result.cycle)
    cause_ids = tuple(sorted(set(causes)))
    specs = []
    for window in result.windows:
        spec = _window_spec(result, window, current, cause_ids, closed_on, approval)
        if spec is not None:
            specs.append(spec)
    return specs


def _window_spec(result: CycleResult, window: WindowResult,
                 current: dict[tuple[str | None, str], int], causes: tuple[str, ...],
                 closed_on: date, approval: int) -> TransactionSpec | None:
    wid, cycle, first = window.window.id, result.cycle, approval == 1
    targets = {c.code: money.centimes(c.amount) for c in window.communes}
    held = {code: amount for (w, code), amount in current.items() if w == wid}
    diffs = {code: targets.get(code, 0) - held.get(code, 0)
             for code in sorted(set(targets) | set(held))}
    diffs = {code: d for code, d in diffs.items() if d != 0}
    if not diffs and not first:
        return None
    postings = [Posting(f"payable:{cycle}:{code}", d) for code, d in diffs.items()]
    postings.insert(0, Posting(f"pool:{cycle}:{wid}", -sum(diffs.values())))
    kind = TransactionKind.ALLOCATION if first else TransactionKind.ADJUSTMENT
    key = f"allocation:{cycle}:{wid}" if first else f"adjustment:{cycle}:{wid}:{approval}"
    details: dict[str, Any] = {"eligible": window.eligible_count,
                               "unallocated_mad": window.unallocated, "approval": approval}
    reason = (f"final allocation of {wid} at approval" if first else
              f"re-approval {approval} of {wid}: {len(diffs)} communes changed")
    return TransactionSpec(key, kind, cycle, wid, tuple(postings), causes, result.ruleset.id,
                           result.ruleset.digest, result.inputs_digest, closed_on, reason,
                           details)
