"""One soak run: a worker process fed at a steady rate, killed and restarted on a
schedule, read every few seconds (benchmarks/soak.py is its command line).

The clock ``t`` starts when the steady load starts: the program's communes, cycle
openings and accepted assessments are processed before (``preload``), as a running
program would have them. A kill is a SIGKILL of the worker process, and a new one is
started at once; its recovery is the time from that start to the first offset it
commits.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import Worker, bootstrap
from benchmarks.pipeline import PipelineRun, topic
from benchmarks.soak_load import EventSource, Publisher, preloaded
from benchmarks.soak_probe import DatabaseProbe, process_status
from benchmarks.soak_stats import Sample
from pac_grants.scenario import Message, Program
from pac_grants.scenario.encoding import loads

LOGICAL = ("communes", "cycles", "assessments", "disbursements")


class Failure(Exception):
    """The run cannot go on (the worker died by itself, publishing failed, no progress)."""


def progress(text: str) -> None:
    print(f"soak: {text}", file=sys.stderr, flush=True)


class Soak:
    def __init__(self, env: dict[str, str], program: Program, source: EventSource,
                 log: Path) -> None:
        self.env, self.program, self.source, self.log = env, program, source, log
        self.topics = {logical: topic(env, logical) for logical in LOGICAL}
        self.run = PipelineRun(env, program, log)
        self.probe = DatabaseProbe(self.run.offsets.engine)
        self.published: Counter[str] = Counter()
        self.publisher: Publisher | None = None
        self.samples: list[Sample] = []
        self.kills: list[dict[str, Any]] = []
        self.life, self.start = 1, time.monotonic()
        self.last = (self.start, 0)  # (time, committed) of the previous sample
        self.preloaded_revisions = 0

    def preload(self) -> None:
        """Communes, openings, then the program's accepted assessments (and the pool
        change of that phase), each group processed before the next."""
        groups = preloaded(self.program)
        for messages in groups:
            self._send_and_settle(messages)
        self.preloaded_revisions = len({(e["cycle"], e["commune_code"], e["revision"])
                                        for e in (loads(m.value) for m in groups[-1]
                                                  if m.topic == "assessments")})

    def _send_and_settle(self, messages: list[Message]) -> None:
        for message in messages:
            self.source.reference.apply(message)
        self.published.update(self.run.publish(messages))
        self.run.settle(dict(self.published))

    def committed(self) -> int:
        return self.probe.committed(set(self.topics.values()))

    def published_total(self) -> int:
        acked = self.publisher.acked if self.publisher is not None else Counter[str]()
        return sum(self.published.values()) + sum(acked.values())

    def steady(self, seconds: float, rate: float, kill_every: float, every: float) -> None:
        """The load: ``rate`` events/s for ``seconds``, a kill every ``kill_every`` s."""
        self.publisher = Publisher(bootstrap(self.env["PAC_BROKER_URL"]), self.topics,
                                   self.source, rate)
        self.start = time.monotonic()
        self.last = (self.start, self.committed())
        next_sample, next_kill = self.start, self.start + (kill_every or math.inf)
        self.publisher.start()
        try:
            while (now := time.monotonic()) < self.start + seconds:
                if self.publisher.error:
                    raise Failure(self.publisher.error)
                self.check_worker()
                if now >= next_sample:  # first: a reading at a kill is the old life's
                    self.sample("load")
                    next_sample += every
                if now >= next_kill:
                    self.kill()
                    next_kill += kill_every
                self.watch_recovery()
                time.sleep(0.2)
        finally:
            self.publisher.stop()
            self.published.update(self.publisher.acked)
            self.publisher = None

    def drain(self, every: float, timeout: float = 900) -> float:
        """Seconds until everything published is committed, sampling meanwhile."""
        started = time.monotonic()
        next_sample = started + every
        while self.committed() < self.published_total():
            self.check_worker()
            self.watch_recovery()
            if time.monotonic() - started > timeout:
                raise Failure(f"{self.published_total() - self.committed()} messages still "
                              f"not committed {timeout:.0f} s after the load ended")
            if time.monotonic() >= next_sample:
                self.sample("drain")
                next_sample += every
            time.sleep(0.2)
        self.sample("drain")
        return time.monotonic() - started

    def kill(self) -> None:
        worker = self.run.worker
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(10)
        at = time.monotonic()
        self.run.worker = Worker(self.env, self.log)
        self.run.workers = [self.run.worker]  # the one PipelineRun.stop() stops
        self.life += 1
        self.kills.append({"t": round(at - self.start, 1), "killed_pid": worker.process.pid,
                           "pid": self.run.worker.process.pid,
                           "committed_at_kill": self.committed(), "recovery_s": None})
        progress(f"t={at - self.start:.0f} s: SIGKILL pid {worker.process.pid}, "
                 f"restarted as pid {self.run.worker.process.pid}")

    def watch_recovery(self) -> None:
        """Restart to first commit of the latest kill, once its worker commits."""
        if self.kills and self.kills[-1]["recovery_s"] is None:
            kill = self.kills[-1]
            if self.committed() > kill["committed_at_kill"]:
                kill["recovery_s"] = round(time.monotonic() - self.start - kill["t"], 1)

    def check_worker(self) -> None:
        status = self.run.worker.process.poll()
        if status is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise Failure(f"the worker exited by itself with status {status}; its log "
                          f"ends:\n{tail}")

    def sample(self, phase: str) -> Sample:
        now, pid = time.monotonic(), self.run.worker.process.pid
        process = process_status(pid)
        committed, published = self.committed(), self.published_total()
        rate = (committed - self.last[1]) / max(now - self.last[0], 1e-9)
        self.last = (now, committed)
        sample = Sample(t=round(now - self.start, 1), phase=phase, life=self.life, pid=pid,
                        published=published, committed=committed, lag=published - committed,
                        committed_per_s=round(rate, 1), rss_mib=round(process["rss_mib"], 1),
                        fds=int(process["fds"]), threads=int(process["threads"]),
                        db_connections=self.probe.connections())
        self.samples.append(sample)
        progress(f"t={sample.t:.0f} s life {sample.life}: lag {sample.lag:,}, "
                 f"{sample.committed_per_s:,.0f} committed/s, RSS {sample.rss_mib:,.1f} MiB, "
                 f"{sample.fds} fds, {sample.db_connections} db connections")
        return sample

    def tracebacks(self) -> int:
        return self.log.read_text(errors="replace").count("Traceback")

    def stop(self) -> int | None:
        """Stop the worker (SIGTERM, as an operator would); its exit status."""
        self.run.stop()
        return self.run.worker.process.returncode
