"""The commit protocol: database first, outputs next, Kafka offsets last.

docs/ledger.md "Guarantees": commit Kafka offsets only after the database commit. The agent
hands a batch to :meth:`Committer.run` (in a worker thread, so the event loop keeps
heartbeating); it returns only once the batch's database transaction is committed,
retrying with backoff while the database is unreachable. Only then does the agent let
Faust ack the events (streams/batches.py acks a batch once it is handled), and
Faust commits acked offsets on its commit interval. A crash in between redelivers the
batch, which the tracked offsets and idempotency keys turn into a no-op.

Outputs (allocations, dead letters) were queued in the outbox table by that transaction;
:func:`drain_outbox` produces them and then deletes them, so a crash re-sends rather
than loses them (at least once, like every output of the calculator).

A batch the database refuses for another reason (a constraint, a value out of a
column's range, a bug in one handler path) must neither stop the worker nor be acked
unwritten. An assessment, commune or complaint batch is bisected until the message that
fails alone, which is set aside as a ``storage_rejected`` dead letter with its tracked
offset; the others commit (streams/isolation.py). A cycle or payment batch (and any
batch failing on the schema or the grants) is held instead: retried with backoff,
committing nothing and acking nothing, with ``pac_batch_stuck{topic}`` at 1 and the
``PacBatchStuck`` alert, until the cause is fixed. Faust would ack a batch whose loop
body raised (the batch is acked in a ``finally``), so nothing escapes the loop.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from aiokafka.errors import MessageSizeTooLargeError

from pac_grants.ledger import BatchLocks, Ledger
from pac_grants.observer import Observer
from streams import deadletters
from streams.isolation import Failure, bisect, conflict, isolatable, kind_of, merge
from streams.messages import BatchOutcome, Message
from streams.sidecar import Sidecar

log = logging.getLogger("pac_grants.worker")
EXIT_BUG = 70  # EX_SOFTWARE


class Handler(Protocol):
    """What the committer needs of a handler: ``BatchHandler`` or its remote proxy."""

    prefix: str
    ledger: Ledger
    clock: Callable[[], datetime]

    def handle(self, messages: Sequence[Message], alone: bool = False) -> BatchOutcome: ...

    def locks(self, messages: Sequence[Message], alone: bool = False) -> BatchLocks: ...


class Committer:
    """Runs a batch until its database transaction commits (or the worker stops)."""

    def __init__(self, handler: Handler, first_delay: float = 0.5,
                 max_delay: float = 30.0, observer: Observer | None = None) -> None:
        self.handler = handler
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.observer = observer
        self.stopping = threading.Event()

    def run(self, messages: Sequence[Message]) -> BatchOutcome | None:
        """The batch's outcome once committed, refused messages set aside; None if the
        worker stops first. Retries a lost database and a held batch with backoff."""
        topic = messages[0].topic if messages else None
        done = BatchOutcome(topic=topic)  # what committed, across attempts
        delay, held = self.first_delay, False
        while not self.stopping.is_set():
            try:
                self._attempt(messages, done)
            except Exception as exc:
                if kind_of(exc) is Failure.TRANSIENT:
                    log.warning("database unavailable, retrying in %.1f s: %s", delay,
                                _line(exc))
                else:
                    self._hold(messages, exc, delay, first=not held)
                    held = True
            else:
                if topic is not None and self.observer is not None:
                    self.observer.batch_stuck(topic, False)
                return done
            self.stopping.wait(delay)
            delay = min(delay * 2, self.max_delay)
        return None

    def _attempt(self, messages: Sequence[Message], done: BatchOutcome) -> None:
        try:
            outcome = self._handle(messages)
        except Exception as exc:
            if (kind_of(exc) is not Failure.REFUSED
                    or not isolatable(self.handler.prefix, messages)):
                raise
            self._failed(messages[0].topic)
            log.warning("a batch of %d messages of %s was refused by the database (%s); "
                        "isolating the message that fails", len(messages),
                        messages[0].topic, _line(exc))
            bisect(self._alone, messages, exc, self._set_aside, done)
        else:
            merge(done, outcome)

    def _handle(self, messages: Sequence[Message]) -> BatchOutcome:
        """Beside other workers' batches where the topic allows it; alone again if that
        met another batch (a revision inserted by both, a posting): the retry then sees
        the other's commit and judges the messages as one worker would."""
        try:
            return self.handler.handle(messages)
        except Exception as exc:
            if not self.handler.locks(messages).shared or not conflict(exc):
                raise
            log.info("a batch of %d messages of %s met another worker's (%s); running it "
                     "again alone", len(messages), messages[0].topic, _line(exc))
            return self._alone(messages)

    def _alone(self, messages: Sequence[Message]) -> BatchOutcome:
        return self.handler.handle(messages, alone=True)

    def _set_aside(self, message: Message, exc: Exception) -> BatchOutcome:
        log.error("message set aside as storage_rejected, the others are committed: %s",
                  _line(exc), extra={"topic": message.topic, "partition": message.partition,
                                     "offset": message.offset, "code": "storage_rejected"})
        log.debug("the refused message's error", exc_info=exc)
        return deadletters.set_aside(self.handler.ledger, f"{self.handler.prefix}dead-letters.v1",
                                     message, exc, self.handler.clock())

    def _hold(self, messages: Sequence[Message], exc: Exception, delay: float,
              first: bool) -> None:
        """Stop-and-retry: the batch is neither committed nor acked nor skipped."""
        topic = messages[0].topic
        self._failed(topic)
        if self.observer is not None:
            self.observer.batch_stuck(topic, True)
        if kind_of(exc) is Failure.SYSTEMIC:
            why = "an error of the schema or the grants, not of one message"
        elif isolatable(self.handler.prefix, messages):
            why = "the dead letter of the refused message was refused too"
        else:
            why = "cycle events and payments are never set aside"
        log.error("a batch of %d messages of %s is refused by the database (%s); %s: "
                  "retrying in %.1f s", len(messages), topic, _line(exc), why, delay,
                  exc_info=exc if first else None,
                  extra={"topic": topic, "partition": messages[0].partition,
                         "offset": messages[0].offset})

    def _failed(self, topic: str) -> None:
        if self.observer is not None:
            self.observer.batch_failed(topic)

    def provisional(self, cycles: set[int], sidecar: Sidecar) -> BatchOutcome | None:
        """Publish the debounced provisional results of open cycles (streams/sidecar.py);
        retried while the database is away, the worker stopped on another error."""
        delay = self.first_delay
        while not self.stopping.is_set():
            done = sidecar.run(cycles)
            if done.error is None:
                return done.outcome
            if not done.transient:
                _die_with(done.error)
            log.warning("database unavailable, retrying in %.1f s: %s", delay, done.error)
            self.stopping.wait(delay)
            delay = min(delay * 2, self.max_delay)
        return None


def _line(exc: BaseException) -> str:
    """``IntegrityError: new row ... violates check constraint ...`` (no SQL, no data)."""
    return deadletters.refusal(exc).message


def exit_uncommitted() -> None:
    """Stop now: a batch is not in the database and must not be acked (EX_TEMPFAIL)."""
    log.error("stopping with a batch not committed to the database; exiting before "
              "Faust commits its offsets (it will be redelivered)")
    logging.shutdown()
    os._exit(75)


def _die(exc: BaseException) -> None:
    log.critical("batch failed, exiting without committing offsets", exc_info=exc)
    logging.shutdown()
    os._exit(EXIT_BUG)


def _die_with(error: str) -> None:
    log.critical("provisional results failed, exiting: %s", error)
    logging.shutdown()
    os._exit(EXIT_BUG)


Send = Callable[[str, bytes | None, bytes], Awaitable[Awaitable[object]]]
RunSync = Callable[..., Awaitable[object]]


async def drain_outbox(ledger: Ledger, send: Send, run_sync: RunSync,
                       limit: int = 1000) -> int:
    """Produce queued outputs, await their delivery, then delete them; returns the count."""
    total = 0
    while True:
        rows = await run_sync(_pending, ledger, limit)
        assert isinstance(rows, list)
        if not rows:
            return total
        futures = []
        for _id, topic, key, value in rows:
            try:
                futures.append(await send(topic, key, value))
            except Exception as exc:
                if not _too_large(exc):
                    raise
                # Kept in the database (dead_letters, allocation_results); a record the
                # broker can never take must not block every later output.
                log.error("output of %d bytes to %s is too large for the broker; dropped",
                          len(value), topic)
        for future in futures:
            await future
        await run_sync(_delete, ledger, [row[0] for row in rows])
        total += len(rows)
        if len(rows) < limit:
            return total


def _too_large(exc: BaseException) -> bool:
    """A send refused for its size (aiokafka's error, maybe wrapped by Faust)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MessageSizeTooLargeError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _pending(ledger: Ledger, limit: int) -> list[tuple[int, str, bytes | None, bytes]]:
    with ledger.unit_of_work(chain=False) as uow:
        return uow.outbox.pending(limit)


def _delete(ledger: Ledger, ids: list[int]) -> None:
    started = time.monotonic()
    with ledger.unit_of_work(chain=False) as uow:
        uow.outbox.sent(ids)
        uow.commit()
    log.debug("outbox: %d sent in %.3f s", len(ids), time.monotonic() - started)
