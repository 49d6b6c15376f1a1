"""The state of one batch while it is applied: connection, message, dirty cycles.

Applying an event changes input state and marks its cycle(s) dirty; the batch
recomputes each dirty cycle once at the end (the debounce of docs/pipeline.md) and
posts the ledger transactions of the batch in the same database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from pac_grants.ledger import PostResult, TransactionSpec, UnitOfWork
from streams.books import Shelf
from streams.cache import BatchState
from streams.messages import BatchOutcome, Message
from streams.registry import Registry


@dataclass
class Dirty:
    """Why a cycle must be recomputed: the causing event ids, the latest event date."""

    causes: set[str] = field(default_factory=set)
    effective: date | None = None

    def add(self, event_id: str, on: date) -> None:
        self.causes.add(event_id)
        self.effective = on if self.effective is None else max(self.effective, on)


@dataclass
class BatchContext:
    uow: UnitOfWork
    prefix: str
    received_at: datetime
    outcome: BatchOutcome
    message: Message | None = None
    #: the worker's communes and books, kept across batches (streams/registry.py, books.py)
    registry: Registry = field(default_factory=Registry)
    shelf: Shelf = field(default_factory=Shelf)
    dirty: dict[int, Dirty] = field(default_factory=dict)
    cache: BatchState = field(init=False)
    release_codes: set[str] = field(default_factory=set)  # communes just registered
    release_cycles: set[int] = field(default_factory=set)  # cycles just opened
    #: cycles whose state or complaints changed (their metrics are reported after commit)
    lifecycle_touched: set[int] = field(default_factory=set)
    #: cycles approved in this batch (a checkpoint is due: streams/checkpoints.py)
    closings: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.cache = BatchState(self.uow, self.registry)

    def post(self, spec: TransactionSpec) -> PostResult:
        """Append to the ledger in the batch's transaction (idempotent by key)."""
        result = self.uow.postings.post([spec])[0]
        if not result.duplicate:
            self.outcome.ledger_kinds[spec.kind] += 1
        return result

    def touch(self, cycle: int, event_id: str, on: date) -> None:
        self.dirty.setdefault(cycle, Dirty()).add(event_id, on)

    def topic(self, logical: str) -> str:
        return f"{self.prefix}{logical}.v1"
