"""Provisional rounds in a child process: off the batch path, and off the worker's GIL.

A provisional round (streams/provisional.py) reads and renders every due cycle's result:
at 1,545 communes per cycle, tens of milliseconds of Python each, and a thread of the
worker's own process would hold the interpreter meanwhile, so batches and Faust's event
loop would wait (measured: a round of six cycles took 0.3-1.3 s and doubled the
latency's median). The worker therefore hands the set of due cycles to one child
process (``spawn``: a fresh interpreter, nothing inherited from the worker's threads),
which keeps its own ledger connection, registry and books across rounds and writes the
results to the outbox; the worker's event loop only awaits the answer, then drains the
outbox as after a batch. The child ends with the worker, even a killed one (it
watches its parent).

An in-memory SQLite ledger (tests) cannot be shared with another process: there
(:func:`shareable`) the round runs in the worker's provisional thread, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from pac_grants.ledger import Ledger
from streams.books import Shelf
from streams.isolation import Failure, kind_of
from streams.messages import BatchOutcome
from streams.provisional import publish_provisional
from streams.registry import Registry
from streams.remote import child_pool, shareable, stop_pool

log = logging.getLogger("pac_grants.worker")


@dataclass(frozen=True)
class Round:
    """What a round answers across the process boundary (exceptions may not pickle)."""

    outcome: BatchOutcome | None
    error: str | None = None
    transient: bool = False


class _Child:
    """The child's state, kept across rounds."""

    ledger: Ledger | None = None
    topic = ""
    registry = Registry()
    shelf = Shelf()


def _start(url: str, topic: str) -> None:
    _Child.ledger = Ledger.from_url(url)
    _Child.topic = topic


def _round(numbers: set[int]) -> Round:
    assert _Child.ledger is not None, "the child was not started"
    try:
        return Round(publish_provisional(_Child.ledger, _Child.topic, numbers,
                                         _Child.registry, _Child.shelf))
    except Exception as exc:  # the worker decides: retry (database away) or stop
        return _failed(exc)


def _failed(exc: Exception) -> Round:
    transient = kind_of(exc) is Failure.TRANSIENT
    if not transient:
        log.error("a provisional round failed", exc_info=exc)
    return Round(None, f"{type(exc).__name__}: {exc}".splitlines()[0], transient)


class Sidecar:
    """Runs provisional rounds: in the child process if it can, else ``in_process``."""

    def __init__(self, ledger: Ledger, topic: str,
                 in_process: Callable[[set[int]], BatchOutcome]) -> None:
        self.topic, self.in_process = topic, in_process
        self.url = ledger.shared_url() or ""
        self.child = shareable(ledger)
        self.executor = self._executor() if self.child else None

    def _executor(self) -> ProcessPoolExecutor:
        return child_pool(_start, self.url, self.topic)

    def run(self, numbers: set[int]) -> Round:
        """One round, waited for (call it from a thread: it blocks)."""
        if self.executor is None:
            try:
                return Round(self.in_process(numbers))
            except Exception as exc:
                return _failed(exc)
        try:
            return self.executor.submit(_round, numbers).result()
        except BrokenProcessPool:  # the child died (killed, out of memory): a new one
            log.error("the provisional results' process ended; starting another")
            self.executor = self._executor()
            return Round(None, "the provisional results' process ended", transient=True)

    def stop(self) -> None:
        if self.executor is not None:
            stop_pool(self.executor)
