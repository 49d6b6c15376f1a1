"""Provisional results of open cycles, computed beside the batches (docs/events.md Outputs).

A provisional result writes nothing to the ledger, so it needs neither the ledger's
chain lock nor the pipeline's state lock: it brings each due cycle's book up to date in
a read-only reader (streams/books.py: only what changed since the last round is read and
scored) and renders the record straight from the book (models.lean_results). Then, in a
short unit of work without the chain lock, it checks that the cycle is still open and
queues the result. The cycle's row is locked first (``FOR UPDATE``; SQLite's
``BEGIN IMMEDIATE``), so a ``CycleClosed`` committing meanwhile either comes after (its
final result is queued after this one) or before (this one is dropped): a provisional
result never follows the final one on ``pac.allocations.v1``. (A notified result is
published by its batch.)
"""

from __future__ import annotations

import time
from typing import Any

from models.codes import CycleState, ResultStatus
from models.lean_results import published_json
from pac_grants.ledger import Ledger
from streams import cycles
from streams.books import Shelf
from streams.messages import BatchOutcome
from streams.registry import Registry


def publish_provisional(ledger: Ledger, allocations_topic: str, numbers: set[int],
                        registry: Registry, shelf: Shelf) -> BatchOutcome:
    outcome = BatchOutcome()
    computed: list[tuple[dict[str, Any], list[cycles.Allocation]]] = []
    with ledger.reader() as reader:
        communes = registry.current(reader.state).parsed
        for number in sorted(numbers):
            row = cycles.open_row(reader.state, number)
            if row is None:
                continue
            started = time.perf_counter()
            with shelf.book(reader.state, row, communes) as book:
                whole = published_json(book, ResultStatus.PROVISIONAL)
                computed.append((whole, cycles.allocations(
                    book, time.perf_counter() - started)))
    if not computed:
        return outcome
    with ledger.unit_of_work(chain=False) as uow:
        for whole, allocations in computed:
            if uow.state.lock_cycle(whole["cycle"]) in (None, CycleState.APPROVED):
                continue
            cycles.publish_record(uow, allocations_topic, whole, ResultStatus.PROVISIONAL)
            outcome.allocations.extend(allocations)
        uow.commit()
    return outcome
