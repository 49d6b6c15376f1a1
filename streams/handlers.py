"""The batch handler: decode -> state -> rules -> ledger, in one database transaction.

One call handles the messages an agent took from one input topic:
1. open the unit of work: one transaction holding the batch's input partitions and the
   pipeline's state, shared by assessments batches (several workers side by side) and
   alone for every other topic; the ledger's chain lock only if it posts
   (docs/pipeline.md "State in the database");
2. skip messages at or below the partition's tracked offset (already committed);
3. decode each message (models.decode); a rejection is dead-lettered; an ``event_id``
   seen before is a redelivery without effect; else apply it (streams/effects.py);
4. recompute each cycle the batch touched, once (the debounce), posting adjustments
   for closed cycles and queueing provisional/final results;
5. queue a checkpoint of the chain head if one is due (streams/checkpoints.py);
6. record the last offset of each partition, then commit.
The agent acks the messages (and Faust commits their offsets) only after this returns:
a crash in between redelivers the batch, which then has no effect (docs/pipeline.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from models.decode import Rejection, decode
from models.events import AssessmentSubmitted
from models.topics import InputEvent
from pac_grants.broker.topics import logical_name
from pac_grants.ledger import BatchLocks, Ledger
from streams import assessments, cycles, deadletters, effects, provisional
from streams.books import Shelf
from streams.checkpoints import Checkpointer
from streams.context import BatchContext
from streams.messages import BatchOutcome, Message
from streams.refusals import Verdict
from streams.registry import Registry

#: Topics whose batches run beside each other: they post nothing, and what they write
#: (revisions, keyed by commune, so one partition's) no other batch of theirs writes.
SHARED = frozenset({"assessments"})

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def batch_locks(prefix: str, messages: Sequence[Message], alone: bool = False) -> BatchLocks:
    """The batch's partitions; the state shared if every message is of a shared topic
    (unless ``alone``: a batch run again after a conflict)."""
    shared = not alone and bool(messages) and all(
        logical_name(prefix, m.topic) in SHARED for m in messages)
    return BatchLocks(tuple(sorted({(m.topic, m.partition) for m in messages})), shared)


class _Laps:
    """Adds the time since the previous lap to ``stages[name]`` (docs/operations.md
    ``pac_processing_seconds{stage}``); the stages of a batch are sequential."""

    def __init__(self, stages: dict[str, float]) -> None:
        self.stages = stages
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = self.stages.get(name, 0.0) + now - self.last
        self.last = now


class BatchHandler:
    """Applies batches of one input topic to the state and the ledger."""

    def __init__(self, ledger: Ledger, prefix: str, clock: Clock = _now,
                 defer_provisional: bool = False,
                 checkpoints: Checkpointer | None = None) -> None:
        self.ledger = ledger
        self.prefix = prefix
        self.clock = clock
        #: Publishes checkpoints of the chain head (None: none, as in most unit tests).
        self.checkpoints = checkpoints
        #: Open cycles touched by a batch are returned in ``outcome.provisional`` instead
        #: of recomputed at once; the worker publishes them on a timer (the debounce).
        self.defer_provisional = defer_provisional
        #: Kept across batches: the communes and one book per cycle (streams/registry.py,
        #: streams/books.py), each checked against the database at every use.
        self.registry = Registry()
        self.shelf = Shelf()

    def locks(self, messages: Sequence[Message], alone: bool = False) -> BatchLocks:
        return batch_locks(self.prefix, messages, alone)

    def handle(self, messages: Sequence[Message], alone: bool = False) -> BatchOutcome:
        """Apply the batch in one transaction and commit it (``alone``: holding the
        state alone even for a shared topic)."""
        outcome = BatchOutcome(topic=messages[0].topic if messages else None)
        started = time.perf_counter()
        lap = _Laps(outcome.stages)
        with self.ledger.unit_of_work(batch=self.locks(messages, alone)) as uow:
            ctx = BatchContext(uow, self.prefix, self.clock(), outcome, registry=self.registry,
                               shelf=self.shelf)
            tracked = {topic: uow.state.tracked_offsets(topic)
                       for topic in {m.topic for m in messages}}
            fresh = self._unseen(ctx, messages, tracked)
            lap("ledger")  # the writer lock and the offsets read: database work
            decoded = [(m, decode(m.value, self._logical(m.topic))) for m in fresh]
            lap("decode")
            events = [e for _m, e in decoded if not isinstance(e, Rejection)]
            ctx.cache.preload((e.event_id for e in events),
                              ((e.cycle, e.commune_code) for e in events
                               if isinstance(e, AssessmentSubmitted)))
            for message, event in decoded:
                self._one(ctx, message, event)
            assessments.release_pending(ctx)
            ctx.cache.flush()
            lap("handle")
            for cycle_no in sorted(ctx.dirty):
                cycle = ctx.cache.cycle(cycle_no)
                if cycle is None or cycle.approved:
                    continue  # held until the cycle opens; or frozen
                if self.defer_provisional:
                    outcome.provisional.add(cycle_no)
                else:
                    cycles.refresh(ctx, cycle_no)
            self._lifecycle(ctx)
            if self.checkpoints is not None and (ctx.closings or outcome.ledger_kinds.total()):
                self.checkpoints.after_batch(ctx)  # none is due otherwise
            lap("allocation")
            self._track(ctx, fresh, tracked)
            outcome.queued = uow.outbox.enqueued
            uow.commit()
        lap("ledger")
        outcome.seconds = time.perf_counter() - started
        return outcome

    def publish_provisional(self, numbers: set[int]) -> BatchOutcome:
        """Recompute open cycles and queue their provisional results (streams/provisional.py:
        no ledger effect, so outside the ledger's writer lock)."""
        return provisional.publish_provisional(
            self.ledger, f"{self.prefix}allocations.v1", numbers, self.registry, self.shelf)

    def _unseen(self, ctx: BatchContext, messages: Sequence[Message],
                tracked: dict[str, dict[int, int]]) -> list[Message]:
        """Messages above their partition's tracked offset (the rest are committed)."""
        fresh = [m for m in messages if m.offset > tracked[m.topic].get(m.partition, -1)]
        ctx.outcome.skipped = len(messages) - len(fresh)
        return fresh

    def _track(self, ctx: BatchContext, fresh: list[Message],
               tracked: dict[str, dict[int, int]]) -> None:
        last: dict[str, dict[int, int]] = {}
        for m in fresh:
            partitions = last.setdefault(m.topic, {})
            partitions[m.partition] = max(m.offset, partitions.get(m.partition, -1))
        for topic, partitions in last.items():
            ctx.uow.state.track_offsets(topic, partitions, tracked[topic])

    def _lifecycle(self, ctx: BatchContext) -> None:
        """The state and open complaints of the cycles whose life changed (metrics)."""
        for number in sorted(ctx.lifecycle_touched):
            cycle = ctx.cache.cycle(number)
            if cycle is not None:
                undecided = sum(1 for c in ctx.uow.state.complaints(number) if not c.outcome)
                ctx.outcome.lifecycle[number] = (cycle.state, undecided)

    def _logical(self, topic: str) -> str:
        logical = logical_name(self.prefix, topic)
        if logical is None:
            raise ValueError(f"not an input topic of prefix {self.prefix!r}: {topic}")
        return logical

    def _one(self, ctx: BatchContext, message: Message, event: InputEvent | Rejection) -> None:
        ctx.message = message
        ctx.outcome.consumed += 1
        if isinstance(event, Rejection):
            self._reject(ctx, message, event)
            return
        if ctx.cache.seen(event.event_id):
            ctx.outcome.duplicates += 1
            return
        assert message.value is not None
        verdict = effects.apply(ctx, event, message.value)
        if isinstance(verdict, Rejection):
            # Not marked as processed: once its cause is fixed, `dlq replay` sends the
            # same event again and it must then take effect (docs/events.md).
            self._reject(ctx, message, verdict)
            return
        if verdict == Verdict.DUPLICATE:
            ctx.outcome.duplicates += 1
        else:
            ctx.outcome.committed_events.append(message.timestamp)
        ctx.cache.mark(event.event_id, message.topic)

    def _reject(self, ctx: BatchContext, message: Message, rejection: Rejection) -> None:
        deadletters.write(ctx.uow, ctx.topic("dead-letters"), message, rejection,
                          ctx.received_at)
        ctx.outcome.rejected.append((message.topic, rejection.code))
