"""Recomputing a cycle from the stored state, publishing it, and posting an approval.

A cycle's allocation needs every commune of the cycle, while assessments are keyed by
commune and spread over partitions (docs/events.md). The state lives in the database;
the worker keeps one incremental book per cycle (streams/books.py), brought up to date
from the state as the batch's transaction sees it before each use, so a recomputation
costs what changed since the last one, not the size of the cycle.

Ledger effects happen only at an approval (streams/treasury.py), from the
``CycleResult`` of :func:`compute` (``book_result.cycle_result``: the same result as
``compute_cycle``, field by field); a recomputation here only publishes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from models.codes import ResultStatus
from models.lean_results import published_json as book_json
from models.results import published_json
from pac_grants.ledger import CycleRow, StateView, UnitOfWork
from pac_grants.rules.book import CycleBook
from pac_grants.rules.book_result import cycle_result
from pac_grants.rules.engine import CycleResult
from streams.context import BatchContext

Allocation = tuple[int, str, int, int, int, int, float]  # BatchOutcome.allocations


@contextmanager
def book_of(ctx: BatchContext, number: int) -> Iterator[CycleBook]:
    """The cycle's book over the state as the batch left it (pending rows written)."""
    ctx.cache.flush()
    row = ctx.cache.cycle(number)
    assert row is not None and not row.approved, f"cycle {number} has no open inputs"
    with ctx.shelf.book(ctx.uow.state, row, ctx.cache.parsed_communes()) as book:
        yield book


def compute(ctx: BatchContext, number: int) -> CycleResult:
    """The cycle's allocation, as ``compute_cycle`` gives it (for the ledger)."""
    started = time.perf_counter()
    with book_of(ctx, number) as book:
        result = cycle_result(book)
        ctx.outcome.allocations.extend(allocations(book, time.perf_counter() - started))
    return result


def allocations(book: CycleBook, seconds: float) -> list[Allocation]:
    """(cycle, window, pool, allocated, unallocated, eligible, seconds) per window."""
    out = []
    for window_id, window in book.windows.items():
        filled = book.allocation(window_id)
        out.append((book.ruleset.cycle, window_id, window.pool,
                    window.pool - filled.unallocated, filled.unallocated,
                    len(window.eligible), seconds))
    return out


def publish(uow: UnitOfWork, topic: str, result: CycleResult, status: ResultStatus) -> None:
    """The result of a ``CycleResult`` (an approval's): see :func:`publish_record`."""
    publish_record(uow, topic, published_json(result, status), status)


def publish_record(uow: UnitOfWork, topic: str, whole: dict[str, Any],
                   status: ResultStatus) -> None:
    """One record per window on ``pac.allocations.v1`` (key ``cycle:window``), via the
    outbox, and the latest result per window in ``allocation_results``."""
    for window_json in whole["windows"]:
        value = whole | {"window": window_json["window"], "windows": [window_json]}
        key = f"{whole['cycle']}:{window_json['window']}".encode()
        uow.outbox.enqueue(topic, key, json.dumps(value, separators=(",", ":")).encode())
        uow.results.record(
            cycle=whole["cycle"], window=window_json["window"], status=status,
            ruleset_id=whole["ruleset"]["id"], ruleset_digest=whole["ruleset"]["digest"],
            inputs_digest=whole["inputs_digest"], result=window_json)


def refresh(ctx: BatchContext, number: int,
            status: ResultStatus = ResultStatus.PROVISIONAL) -> dict[str, Any] | None:
    """Recompute a cycle whose inputs count (not approved) and publish it."""
    cycle = ctx.cache.cycle(number)
    if cycle is None or cycle.approved:
        return None  # not opened yet (held), or frozen
    started = time.perf_counter()
    with book_of(ctx, number) as book:
        # models.lean_results: equal to published_json(cycle_result(book), status)
        whole = book_json(book, status)
        ctx.outcome.allocations.extend(allocations(book, time.perf_counter() - started))
    publish_record(ctx.uow, ctx.topic("allocations"), whole, status)
    return whole


def open_row(state: StateView, number: int) -> CycleRow | None:
    """The cycle's row if its inputs count (opened, not approved)."""
    row = state.cycle(number)
    return None if row is None or row.approved else row
