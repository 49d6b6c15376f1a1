"""The commit protocol: database first, outputs next, Kafka offsets last.

ledger.md "Guarantees": commit Kafka offsets only after the database commit. The agent
hands a batch to :meth:`Committer.run` (in a worker thread, so the event loop keeps
heartbeating); it returns only once the batch's database transaction is committed,
retrying with backoff while the database is unreachable. Only then does the agent let
Faust ack the events (``take_events`` acks a batch when the loop body finishes), and
Faust commits acked offsets on its commit interval. A crash in between redelivers the
batch, which the tracked offsets and idempotency keys turn into a no-op.

Outputs (allocations, dead letters) were queued in the outbox table by that transaction;
:func:`drain_outbox` produces them and then deletes them, so a crash re-sends rather
than loses them (at least once, like every output of the calculator).

Any other exception is a bug: Faust would still ack the batch (``take_events`` acks in
a ``finally``), so the process exits at once with status 70 instead, committing nothing;
the redelivered batch meets the fixed code or the same loud failure, never a silent skip.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError
from sqlalchemy.exc import DBAPIError, OperationalError

from pac_grants.errors import first_line
from pac_grants.ledger import DatabaseUnavailable, Ledger
from streams.handlers import BatchHandler
from streams.messages import BatchOutcome, Message

log = logging.getLogger("pac_grants.worker")
RETRYABLE = (OperationalError, DatabaseUnavailable)
EXIT_BUG = 70  # EX_SOFTWARE


class Committer:
    """Runs a batch until its database transaction commits (or the worker stops)."""

    def __init__(self, handler: BatchHandler, first_delay: float = 0.5,
                 max_delay: float = 30.0) -> None:
        self.handler = handler
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stopping = threading.Event()

    def run(self, messages: Sequence[Message]) -> BatchOutcome | None:
        """The batch's outcome once committed; None if the worker stops first."""
        return self.retrying(self.handler.handle, messages)

    def provisional(self, cycles: set[int]) -> BatchOutcome | None:
        """Publish the debounced provisional results of open cycles."""
        return self.retrying(self.handler.publish_provisional, cycles)

    def retrying(self, work: Callable[[Any], BatchOutcome], arg: Any) -> BatchOutcome | None:
        delay = self.first_delay
        while not self.stopping.is_set():
            try:
                return work(arg)
            except RETRYABLE as exc:
                log.warning("database unavailable, retrying in %.1f s: %s", delay,
                            first_line(exc))
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    _die(exc)
                log.warning("database connection lost, retrying in %.1f s", delay)
            except Exception as exc:
                _die(exc)
            self.stopping.wait(delay)
            delay = min(delay * 2, self.max_delay)
        return None


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
