"""How far the worker is: its tracked offsets against what the demo published.

Tansu reports a partition's end offset short (docs/pipeline.md), so consumer lag cannot
tell when everything is processed. The worker records, in the database transaction of
each batch, the last offset it committed per partition (``pipeline_offsets``); the demo
knows the offset of every record it sent. Processed = tracked offset + 1 per partition.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterable

from pac_grants.ledger import Ledger

TopicPartition = tuple[str, int]


class WorkerDied(RuntimeError):
    """The worker process exited while the demo waited for it."""


class Progress:
    """The highest offset sent per partition, and the wait for the worker to reach it."""

    def __init__(self) -> None:
        self.sent: dict[TopicPartition, int] = {}

    def record(self, topic: str, placements: Iterable[tuple[int, int]]) -> None:
        for partition, offset in placements:
            key = (topic, partition)
            self.sent[key] = max(offset, self.sent.get(key, -1))

    def processed(self, ledger: Ledger) -> int:
        """Messages processed among those sent (offsets start at 0 on fresh topics)."""
        with ledger.reader() as reader:
            done = reader.state.all_offsets()
        return sum(min(done.get(tp, -1), last) + 1 for tp, last in self.sent.items())

    def total(self) -> int:
        return sum(last + 1 for last in self.sent.values())

    def wait(self, ledger: Ledger, worker: subprocess.Popen[bytes], timeout: float,
             tick: Callable[[int], None]) -> None:
        """Block until every sent message is processed; ``tick(processed)`` on changes."""
        deadline, last = time.monotonic() + timeout, -1
        while True:
            done = self.processed(ledger)
            if done != last:
                tick(done)
                last = done
            if done >= self.total():
                return
            if worker.poll() is not None:
                raise WorkerDied(f"the worker exited with code {worker.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the worker processed {done} of {self.total()} "
                                   f"messages in {timeout:.0f} s")
            time.sleep(0.2)

