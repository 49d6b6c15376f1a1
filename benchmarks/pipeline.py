"""The pipeline measured end to end: publish to ledger committed (docs/operations.md).

A worker on a fresh database gets the program's communes and cycle openings first;
then N assessment events are published at once (throughput: N over the time from the
first publish to the last commit), then a steady stream at a fraction of that rate with
``occurred_at`` = send time (latency: send to the commit that covers the message, seen
by polling the pipeline's committed offsets every 10 ms).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from bisect import bisect_left
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import kafka_io
from benchmarks.common import Offsets, Worker, bootstrap, cli
from pac_grants.scenario import Message, Program
from pac_grants.scenario.encoding import dumps, loads
from pac_grants.scenario.messages import TOPICS


def topic(env: dict[str, str], logical: str) -> str:
    return f"{env['PAC_TOPIC_PREFIX']}{logical}.v1"


class PipelineRun:
    """One worker, its offsets, and the program it is fed."""

    def __init__(self, env: dict[str, str], program: Program, log: Path,
                 workers: int = 1) -> None:
        self.env, self.program = env, program
        self.bootstrap = bootstrap(env["PAC_BROKER_URL"])
        cli(env, "topics", "create")
        self.workers = [Worker(env, log.with_suffix(f".{n}{log.suffix}") if n else log)
                        for n in range(workers)]
        self.worker = self.workers[0]
        self.offsets = Offsets(env["PAC_DATABASE_URL"])

    def publish(self, messages: Sequence[Message]) -> dict[str, int]:
        """Publish (grouped by topic, in order); returns messages per full topic name."""
        counts: dict[str, int] = {}
        for logical in TOPICS:
            records = [(m.key, m.value) for m in messages if m.topic == logical]
            if records:
                asyncio.run(kafka_io.produce(self.bootstrap, topic(self.env, logical),
                                             records))
                counts[topic(self.env, logical)] = len(records)
        return counts

    def settle(self, totals: dict[str, int]) -> None:
        for name, n in totals.items():
            self.offsets.wait(name, n, self.workers)

    def preload(self) -> dict[str, int]:
        """Communes and openings, processed before anything is measured."""
        phases = {p.name: p for p in self.program.phases}
        totals = self.publish(phases["reference"].messages)
        self.settle(totals)
        opened = self.publish(phases["open"].messages)
        self.settle(opened)
        return totals | opened

    def throughput(self, assessments: Sequence[Message]) -> dict[str, float]:
        """Events per second from the first publish to the last commit; the workers'
        CPU per event; and the pace early and late in the run (does it slow down?)."""
        name = topic(self.env, "assessments")
        before = self.offsets.count(name)
        cpu = sum(w.cpu_seconds() for w in self.workers)
        marks: list[tuple[float, int]] = []
        started = time.monotonic()
        self.publish(assessments)
        self.offsets.wait(name, before + len(assessments), self.workers, marks=marks)
        seconds = time.monotonic() - started
        n = len(assessments)
        cpu = sum(w.cpu_seconds() for w in self.workers) - cpu
        early = segment_us(marks, before + n // 10, before + 3 * n // 10)
        late = segment_us(marks, before + 7 * n // 10, before + 9 * n // 10)
        return {"events_per_s": n / seconds, "cpu_us_per_event": cpu / n * 1e6,
                "early_us_per_event": early, "late_us_per_event": late}

    def latency(self, base: Sequence[Message], rate: float, count: int) -> list[float]:
        """Send-to-commit latencies of ``count`` fresh revisions sent at ``rate``/s."""
        name = topic(self.env, "assessments")
        events = [loads(m.value) for m in base]
        polls: list[tuple[float, dict[tuple[str, int], int]]] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                polls.append((time.time(), self.offsets.read()))
                time.sleep(0.01)

        def make(i: int) -> tuple[bytes, bytes]:
            event = dict(events[i % len(events)])
            event["revision"] = event["revision"] + 100 + i // len(events)
            event["event_id"] = str(uuid.uuid4())
            event["occurred_at"] = datetime.now(UTC).isoformat(timespec="milliseconds") \
                .replace("+00:00", "Z")
            return event["commune_code"].encode(), dumps(event).encode("utf-8")

        poller = threading.Thread(target=poll, daemon=True)
        before = self.offsets.count(name)
        poller.start()
        try:
            sent = asyncio.run(kafka_io.paced(self.bootstrap, name, rate, count, make))
            self.offsets.wait(name, before + count, self.worker)
            time.sleep(0.05)
        finally:
            stop.set()
            poller.join()
        return committed_latencies(name, sent, polls)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.offsets.dispose()


def segment_us(marks: list[tuple[float, int]], first: int, last: int) -> float:
    """Microseconds per event while the committed count went from ``first`` to ``last``
    (the polls that first reached each; wall time)."""
    start = next(t for t, count in marks if count >= first)
    end = next(t for t, count in marks if count >= last)
    return (end - start) / max(last - first, 1) * 1e6


def committed_latencies(name: str, sent: list[tuple[float, Any]],
                        polls: list[tuple[float, dict[tuple[str, int], int]]]) -> list[float]:
    """For each sent record, the first poll whose committed offset covers it."""
    out = []
    for moment, meta in sent:
        key = (name, meta.partition)
        covered = [p[1].get(key, -1) >= meta.offset for p in polls]
        index = bisect_left(covered, True)  # covered is monotonic: False..., True...
        if index < len(polls):
            out.append(polls[index][0] - moment)
    return out
