"""The thin observer through which the pipeline reports what happened.

Why a separate object (docs/operations.md "Metrics"): the rules stay pure and
never see prometheus-client; the pipeline calls one method per fact ("an event was
decoded", "the ledger committed"), and only this class knows which series move. Tests
give it a :class:`~pac_grants.metrics.Metrics` on a fresh registry and a fixed clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction

from models.codes import CycleState
from pac_grants.metrics import Metrics

Amount = int | Decimal | Fraction


class Observer:
    """Moves the series of :class:`Metrics`; one method per pipeline fact."""

    def __init__(self, metrics: Metrics, clock: Callable[[], float] = time.time) -> None:
        self.metrics = metrics
        self._clock = clock
        # Liveness counts from the start: a worker that never commits looks stalled.
        metrics.last_processed_timestamp_seconds.set(clock())

    def consumed(self, topic: str, n: int = 1) -> None:
        """``n`` messages of ``topic`` were read and decoded (or tried to be)."""
        self.metrics.events_consumed.labels(topic=topic).inc(n)

    def rejected(self, topic: str, code: str) -> None:
        """A message went to the dead-letter topic with an error ``code`` of docs/events.md s9."""
        self.metrics.events_rejected.labels(topic=topic, code=code).inc()

    def duplicate(self, topic: str, n: int = 1) -> None:
        """``n`` redelivered events found their idempotency key already written
        (docs/ledger.md s8.2)."""
        self.metrics.events_duplicate.labels(topic=topic).inc(n)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a pipeline stage (``decode``, ``validate``, ``ledger``...) into
        ``pac_processing_seconds{stage}``; failures are timed too."""
        with self.metrics.processing_seconds.labels(stage=name).time():
            yield

    def stage_took(self, name: str, seconds: float) -> None:
        """A stage timed elsewhere (the database thread) took ``seconds``."""
        self.metrics.processing_seconds.labels(stage=name).observe(max(0.0, seconds))

    def ledger_written(self, kind_counts: Mapping[str, int], seconds: float) -> None:
        """One database transaction committed ``kind_counts`` ledger transactions."""
        for kind, count in kind_counts.items():
            if count:
                self.metrics.ledger_transactions.labels(kind=kind).inc(count)
        self.metrics.ledger_write_seconds.observe(seconds)

    def event_committed(self, record_timestamp: float | None) -> None:
        """An event's effect is in the ledger: pipeline latency and liveness.

        The latency runs from the Kafka record's timestamp (Unix seconds), not from the
        event's ``occurred_at``: that is a business time, possibly years old, which
        says nothing about the pipeline. A record without a timestamp counts for
        liveness only; a producer clock ahead of ours counts as zero, not negative.
        """
        now = self._clock()
        if record_timestamp is not None:
            self.metrics.event_age_seconds.observe(max(0.0, now - record_timestamp))
        self.metrics.last_processed_timestamp_seconds.set(now)

    def allocation_computed(
        self,
        cycle: int | str,
        window: str,
        pool: Amount,
        allocated: Amount,
        unallocated: Amount,
        eligible: int,
        seconds: float,
    ) -> None:
        """A window's allocation was (re)computed; amounts in MAD (docs/rules.md s4)."""
        self.money(cycle, window, pool, allocated, unallocated, eligible)
        self.metrics.allocation_seconds.observe(seconds)

    def money(
        self,
        cycle: int | str,
        window: str,
        pool: Amount,
        allocated: Amount | None = None,
        unallocated: Amount | None = None,
        eligible: int | None = None,
    ) -> None:
        """Set a window's money gauges (MAD); those given as ``None`` are left as they
        are (at start the ledger knows an open cycle's pool, not its provisional split)."""
        labels = {"cycle": str(cycle), "window": window}
        gauges = ((self.metrics.pool_mad, pool), (self.metrics.allocated_mad, allocated),
                  (self.metrics.unallocated_mad, unallocated),
                  (self.metrics.eligible_communes, eligible))
        for gauge, amount in gauges:
            if amount is not None:
                gauge.labels(**labels).set(float(amount))

    def lag(self, topic: str, partition: int, messages: int) -> None:
        """Consumer lag of one assigned partition: high watermark minus position."""
        self.metrics.consumer_lag_messages.labels(topic=topic, partition=str(partition)).set(
            max(0, messages)
        )

    def cycle_life(self, cycle: int | str, state: str, complaints_open: int) -> None:
        """A cycle's state and its complaints not decided (docs/events.md s4)."""
        for known in CycleState:
            self.metrics.cycle_state.labels(cycle=str(cycle), state=known).set(
                1 if known == state else 0)
        self.metrics.complaints_open.labels(cycle=str(cycle)).set(complaints_open)

    def treasury(self, cycle: int | str, ordered: Amount, paid: Amount, overdue: Amount,
                 to_recover: Amount) -> None:
        """A cycle's treasury position (MAD): ordered, paid, overdue, to recover."""
        labels = {"cycle": str(cycle)}
        for gauge, amount in ((self.metrics.ordered_mad, ordered), (self.metrics.paid_mad, paid),
                              (self.metrics.overdue_mad, overdue),
                              (self.metrics.to_recover_mad, to_recover)):
            gauge.labels(**labels).set(float(amount))

    def batch_failed(self, topic: str) -> None:
        """The database refused a batch of ``topic`` (not a lost connection)."""
        self.metrics.batch_failures.labels(topic=topic).inc()

    def batch_stuck(self, topic: str, stuck: bool) -> None:
        """A refused batch of ``topic`` is held and retried (1), or ``topic`` commits (0):
        the ``PacBatchStuck`` alert (docs/pipeline.md "Commit protocol")."""
        self.metrics.batch_stuck.labels(topic=topic).set(1 if stuck else 0)

    def verified(self, ok: bool) -> None:
        """Result of the last ledger verification (docs/ledger.md "Guarantees")."""
        self.metrics.ledger_verify_ok.set(1 if ok else 0)
