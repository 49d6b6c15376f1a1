"""The batch handler in a child process: the database work off Faust's interpreter.

Faust's per-event work (fetching, its stream, acks) and the batch handler's (decoding,
the rules, SQL) shared one interpreter lock, so one worker used one core at most, and
every answer from PostgreSQL waited for the lock behind Faust's event loop (a few
milliseconds per statement on a busy machine). Here the agents only read raw messages
and hand each batch to one child process (``spawn``) that runs the real
:class:`~streams.handlers.BatchHandler` (its registry, books and checkpoints kept across
batches), on its own connection; batches still commit one after the other.

Everything else stays in the worker: the :class:`~streams.commit.Committer`'s retries,
poison isolation and metrics, the outbox, acks. A batch's failure crosses back as a
:class:`~streams.isolation.RemoteFailure` (its kind, whether it met another worker, its
one line), which the committer judges as it judged the exception itself. The child
watches its parent and ends with it; its open transaction then rolls back.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from pac_grants.ledger import BatchLocks, Ledger, Signer
from pac_grants.settings import Settings
from streams.checkpoints import Checkpointer
from streams.deadletters import refusal
from streams.handlers import BatchHandler, batch_locks
from streams.isolation import Failure, RemoteFailure, conflict, kind_of
from streams.messages import BatchOutcome, Message

log = logging.getLogger("pac_grants.worker")


class _Child:
    handler: BatchHandler | None = None


def child_pool(start: Callable[..., None], *args: object) -> ProcessPoolExecutor:
    """One child process (``spawn``) that runs ``start(*args)`` (a module-level function)
    first, ends with the worker even if the worker was killed, and is started now, not at
    its first task (a second or two)."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=partial(_child_started, start, os.getpid(), *args))
    pool.submit(_ready)
    return pool


def _child_started(start: Callable[..., None], parent: int, *args: object) -> None:
    start(*args)
    threading.Thread(target=_orphaned, args=(parent,), daemon=True,
                     name="pac-parent-watch").start()


def _ready() -> bool:
    return True


def _orphaned(parent: int) -> None:
    """End with the worker, even if it was killed (SIGKILL leaves children running)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _start(url: str, prefix: str, every: int, key: Path | None) -> None:
    checkpoints = Checkpointer(every, Signer.load(key) if key else None)
    _Child.handler = BatchHandler(Ledger.from_url(url), prefix, defer_provisional=True,
                                  checkpoints=checkpoints)


def _handle(messages: list[Message], alone: bool) -> BatchOutcome | RemoteFailure:
    assert _Child.handler is not None, "the child was not started"
    try:
        return _Child.handler.handle(messages, alone)
    except Exception as exc:
        log.debug("a batch failed in the handler's process", exc_info=exc)
        return RemoteFailure(kind_of(exc), conflict(exc), refusal(exc).message)


class RemoteHandler:
    """What the committer needs of a :class:`BatchHandler`, handling in the child."""

    def __init__(self, ledger: Ledger, prefix: str, checkpoint_every: int,
                 signing_key: Path | None, clock: Callable[[], datetime]) -> None:
        self.ledger, self.prefix, self.clock = ledger, prefix, clock
        url = ledger.shared_url()
        if url is None:
            raise ValueError("an in-memory database cannot be shared with a child process")
        self._args = (url, prefix, checkpoint_every, signing_key)
        self._pool = self._executor()

    def _executor(self) -> ProcessPoolExecutor:
        return child_pool(_start, *self._args)

    def locks(self, messages: Sequence[Message], alone: bool = False) -> BatchLocks:
        return batch_locks(self.prefix, messages, alone)

    def handle(self, messages: Sequence[Message], alone: bool = False) -> BatchOutcome:
        """The batch committed by the child, or its failure raised here."""
        try:
            done = self._pool.submit(_handle, list(messages), alone).result()
        except BrokenProcessPool:  # killed (out of memory?): nothing committed is lost
            log.error("the batch handler's process ended; starting another")
            self._pool = self._executor()
            raise RemoteFailure(Failure.TRANSIENT, False,
                                "the batch handler's process ended") from None
        if isinstance(done, RemoteFailure):
            raise done
        return done

    def publish_provisional(self, numbers: set[int]) -> BatchOutcome:
        raise NotImplementedError("provisional rounds run in streams/sidecar.py's process")

    def stop(self) -> None:
        stop_pool(self._pool)


def stop_pool(pool: ProcessPoolExecutor, timeout: float = 15.0) -> None:
    """Stop a child process and wait until it has ended (its batch done or, after
    ``timeout`` seconds, rolled back by killing it), so a stopped worker leaves no
    process and no database session behind. Blocks: call it from a thread."""
    children = list(pool._processes.values()) if pool._processes else []
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + timeout
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            log.warning("a child process (pid %s) did not end in %.0f s: killed", child.pid,
                        timeout)
            child.kill()
            child.join(5.0)


def shareable(ledger: Ledger) -> bool:
    """Whether another process can open the same database (not an in-memory SQLite)."""
    return ledger.shared_url() is not None


def worker_handler(ledger: Ledger, settings: Settings) -> BatchHandler | RemoteHandler:
    """The worker's batch handler: in a child process when the database can be shared
    (an in-memory SQLite ledger cannot: then in the worker, as in the unit tests).
    Raises a ``SigningKeyError`` if ``PAC_LEDGER_SIGNING_KEY`` cannot be used."""
    checkpoints = Checkpointer.from_settings(settings)  # checked here, loaded again there
    if not shareable(ledger):
        return BatchHandler(ledger, settings.topic_prefix, defer_provisional=True,
                            checkpoints=checkpoints)
    return RemoteHandler(ledger, settings.topic_prefix, settings.ledger_checkpoint_every,
                         settings.ledger_signing_key, _now)


def _now() -> datetime:
    return datetime.now(UTC)
