"""Recomputing a cycle from the database state, and what that changes in the ledger.

A cycle's allocation needs every commune of the cycle, while assessments are keyed by
commune and spread over partitions (events.md). The state lives in the database, so
this code reads all of a cycle's inputs, whatever partition brought them, inside the
batch's transaction, which holds the ledger's writer lock (docs/pipeline.md).

Ledger effects (ledger.md "Transactions"): at ``CycleClosed`` one ``allocation`` per
window; after closing, an ``adjustment`` per window with the difference between the
target amounts and what the ledger already holds, so a redelivered batch posts nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from datetime import date
from typing import Any

from models.codes import TransactionKind
from models.results import published_json
from pac_grants import money, readside
from pac_grants.ledger import Posting, TransactionSpec, UnitOfWork
from pac_grants.rules.engine import CycleResult, WindowResult
from streams.context import BatchContext, Dirty


def compute(ctx: BatchContext, number: int) -> CycleResult:
    """The cycle's allocation over the state as the batch left it (the read side, on the
    batch's unit of work, after the batch's pending rows are written)."""
    ctx.cache.flush()
    return readside.cycle_result(ctx.uow, number)


def publish(uow: UnitOfWork, topic: str, result: CycleResult, status: str) -> None:
    """One record per window on ``pac.allocations.v1`` (key ``cycle:window``), via the
    outbox, and the latest result per window in ``allocation_results`` (for explain)."""
    whole = published_json(result, status)
    for window_json in whole["windows"]:
        value = whole | {"window": window_json["window"], "windows": [window_json]}
        key = f"{result.cycle}:{window_json['window']}".encode()
        uow.outbox.enqueue(topic, key, json.dumps(value, separators=(",", ":")).encode())
        uow.results.record(
            cycle=result.cycle, window=window_json["window"], status=status,
            ruleset_id=result.ruleset.id, ruleset_digest=result.ruleset.digest,
            inputs_digest=result.inputs_digest, result=window_json)


def settle(uow: UnitOfWork, result: CycleResult, causes: Iterable[str],
           effective: date) -> list[TransactionSpec]:
    """The ledger transactions that bring a closed cycle to ``result`` (ledger.md).

    ``allocation`` for a window not yet allocated, else ``adjustment`` of the
    differences; nothing when the ledger already matches.
    """
    current = uow.postings.allocated(result.cycle)
    allocated_windows = {w for (w, _code) in current}
    specs = []
    cause_ids = tuple(sorted(set(causes)))
    for window in result.windows:
        first = window.window.id not in allocated_windows
        spec = _window_spec(result, window, current, cause_ids, effective, first)
        if spec is not None:
            specs.append(spec)
    return specs


def _window_spec(result: CycleResult, window: WindowResult,
                 current: dict[tuple[str | None, str], int], causes: tuple[str, ...],
                 effective: date, first: bool) -> TransactionSpec | None:
    wid, cycle = window.window.id, result.cycle
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
    key = f"allocation:{cycle}:{wid}" if first else \
        f"adjustment:{cycle}:{wid}:{_cause(causes, result.inputs_digest)}"
    details: dict[str, Any] = {"eligible": window.eligible_count,
                               "unallocated_mad": window.unallocated}
    reason = (f"final allocation of {wid} at CycleClosed" if first else
              f"recomputation of {wid} after an input change ({len(diffs)} communes changed)")
    return TransactionSpec(key, kind, cycle, wid, tuple(postings), causes, result.ruleset.id,
                           result.ruleset.digest, result.inputs_digest, effective, reason,
                           details)


def _cause(causes: tuple[str, ...], digest: str) -> str:
    """A short deterministic id of what caused an adjustment (its idempotency key)."""
    text = "|".join((*causes, digest))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def refresh(ctx: BatchContext, cycle_no: int, dirty: Dirty) -> None:
    """Recompute a cycle; post the ledger differences if it is closed, publish the result
    (``provisional`` before ``CycleClosed``, ``final`` after; events.md "Outputs")."""
    cycle = ctx.cache.cycle(cycle_no)
    if cycle is None:
        return  # assessments of a cycle not opened yet: held, nothing to compute
    started = time.perf_counter()
    result = compute(ctx, cycle_no)
    seconds = time.perf_counter() - started
    closed = cycle.status == "closed"
    if closed:
        effective = dirty.effective or date.today()
        for spec in settle(ctx.uow, result, dirty.causes, effective):
            ctx.post(spec)
    publish(ctx.uow, ctx.topic("allocations"), result, "final" if closed else "provisional")
    for w in result.windows:
        ctx.outcome.allocations.append((cycle_no, w.window.id, w.pool, w.allocated,
                                        w.unallocated, w.eligible_count, seconds))
