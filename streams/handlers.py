"""The batch handler: decode -> state -> rules -> ledger, in one database transaction.

One call handles the messages an agent took from one input topic (``take_events``):
1. open the unit of work (ledger.md: one transaction, the writer lock held);
2. skip messages at or below the partition's tracked offset (already committed);
3. decode each message (models.decode); a rejection is dead-lettered; an ``event_id``
   seen before is a redelivery without effect; else apply it (streams/effects.py);
4. recompute each cycle the batch touched, once (the debounce), posting adjustments
   for closed cycles and queueing provisional/final results;
5. record the last offset of each partition, then commit.
The agent acks the messages (and Faust commits their offsets) only after this returns:
a crash in between redelivers the batch, which then has no effect (docs/pipeline.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from models.decode import Rejection, decode
from pac_grants.broker.topics import logical_name
from pac_grants.ledger import Ledger
from streams import cycles, deadletters, effects, state
from streams.context import BatchContext
from streams.messages import BatchOutcome, Message

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class BatchHandler:
    """Applies batches of one input topic to the state and the ledger."""

    def __init__(self, ledger: Ledger, prefix: str, clock: Clock = _now) -> None:
        self.ledger = ledger
        self.prefix = prefix
        self.clock = clock

    def handle(self, messages: Sequence[Message]) -> BatchOutcome:
        outcome = BatchOutcome(topic=messages[0].topic if messages else None)
        started = time.perf_counter()
        with self.ledger.unit_of_work() as uow:
            ctx = BatchContext(uow, self.prefix, self.clock(), outcome)
            last: dict[tuple[str, int], int] = {}
            tracked: dict[str, dict[int, int]] = {}
            for message in messages:
                done = tracked.setdefault(message.topic,
                                          state.tracked_offsets(ctx.conn, message.topic))
                if message.offset <= done.get(message.partition, -1):
                    outcome.skipped += 1
                    continue
                self._one(ctx, message)
                key = (message.topic, message.partition)
                last[key] = max(message.offset, last.get(key, -1))
            for cycle_no, dirty in sorted(ctx.dirty.items()):
                cycles.refresh(ctx, cycle_no, dirty)
            for topic in {t for t, _ in last}:
                state.track_offsets(ctx.conn, topic,
                                    {p: o for (t, p), o in last.items() if t == topic})
            uow.commit()
        outcome.seconds = time.perf_counter() - started
        return outcome

    def _one(self, ctx: BatchContext, message: Message) -> None:
        ctx.message = message
        ctx.outcome.consumed += 1
        logical = logical_name(self.prefix, message.topic)
        if logical is None:
            raise ValueError(f"not an input topic of prefix {self.prefix!r}: {message.topic}")
        event = decode(message.value, logical)
        if isinstance(event, Rejection):
            self._reject(ctx, message, event)
            return
        if state.seen_event(ctx.conn, event.event_id):
            ctx.outcome.duplicates += 1
            return
        assert message.value is not None
        verdict = effects.apply(ctx, event, message.value)
        if isinstance(verdict, Rejection):
            # Not marked as processed: once its cause is fixed, `dlq replay` sends the
            # same event again and it must then take effect (events.md).
            self._reject(ctx, message, verdict)
            return
        if verdict == effects.DUPLICATE:
            ctx.outcome.duplicates += 1
        else:
            ctx.outcome.committed_events.append(event.occurred_at)
        state.mark_event(ctx.conn, event.event_id, message.topic)

    def _reject(self, ctx: BatchContext, message: Message, rejection: Rejection) -> None:
        deadletters.write(ctx.conn, ctx.topic("dead-letters"), message, rejection,
                          ctx.received_at)
        ctx.outcome.rejected.append((message.topic, rejection.code))
