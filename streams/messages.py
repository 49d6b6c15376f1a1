"""The plain values the handler layer works on, independent of Faust.

A :class:`Message` is what an agent hands over (topic, partition, offset, key, raw
value); a :class:`BatchOutcome` is what the handler reports back for the observer and
the tests. Keeping Faust types out of the handler lets unit tests call it directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    topic: str  # the full topic name, e.g. pac.assessments.v1
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    #: The Kafka record's timestamp, Unix seconds (CreateTime: when the producer sent
    #: it, or LogAppendTime); ``pac_event_age_seconds`` measures from it to the commit.
    timestamp: float | None = None


@dataclass
class BatchOutcome:
    """What one batch did; counters for the observer, lists for tests and logs."""

    topic: str | None = None
    consumed: int = 0
    seconds: float = 0.0  # the database transaction, from begin to commit
    #: Seconds per stage of the batch (decode, handle, allocation, ledger), for
    #: ``pac_processing_seconds{stage}``; measured in the database thread.
    stages: dict[str, float] = field(default_factory=dict)
    skipped: int = 0  # at or below the tracked offset: already committed earlier
    queued: int = 0  # output records queued in the outbox (a drain is due)
    duplicates: int = 0  # same event_id, same payment_ref, same revision and content
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (topic, code)
    ledger_kinds: Counter[str] = field(default_factory=Counter)
    committed_events: list[float | None] = field(default_factory=list)  # record timestamps
    #: (cycle, window, pool, allocated, unallocated, eligible, seconds) per recomputation
    provisional: set[int] = field(default_factory=set)  # open cycles left to the timer
    allocations: list[tuple[int, str, int, int, int, int, float]] = field(default_factory=list)
    #: cycle -> (state, complaints not decided) of the cycles whose life changed
    lifecycle: dict[int, tuple[str, int]] = field(default_factory=dict)
