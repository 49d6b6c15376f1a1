"""Fault tests on the real services (docs/operations.md s6; docs/reliability.md).

Each runs a sample program of ``pac_grants.scenario`` through ``pac-grants worker``
processes on the real Apache Kafka broker and PostgreSQL of ``scripts/services``, hurts
the system mid-stream, and ends with tests/integration/fault_runs.check: the ledger
equals the offline calculation, no transaction missing or doubled, ``verify`` passes.
Services stopped by a test are started again in ``finally``. The figures (kills,
recovery times, outage) are printed for docs/reliability.md (``pytest -s``).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pac_grants.scenario import Program, generate_program
from tests.integration.fault_runs import Run, check, expected_rejections, thinned
from tests.integration.fault_support import (
    Record,
    create_topics,
    group_members,
    group_offsets,
    pipeline_env,
    services,
    tracked_offsets,
)
from tests.integration.test_pipeline_e2e import check_ledger

pytestmark = [pytest.mark.integration, pytest.mark.faults]
KILLS = 5
#: Phases long enough to be hurt in (the others are a handful of messages).
BUSY = ("assessments", "complaints", "disbursements")


@pytest.fixture(scope="module")
def large() -> Program:
    """1,545 communes, 10,300 assessments, 13,000 payment orders, 1,265 payments before
    2021's reopening and 10,400 after (a fifth of those are sent)."""
    return generate_program(seed=6061, scale=15)


@pytest.fixture(scope="module")
def medium() -> Program:
    return generate_program(seed=6062, scale=3)


@pytest.fixture
def env(broker_url: str, fresh_postgres_url: str) -> dict[str, str]:
    values = pipeline_env(broker_url, fresh_postgres_url)
    create_topics(values)
    return values


@pytest.fixture
def run_of(env: dict[str, str], tmp_path: Path) -> Iterator[object]:
    runs: list[Run] = []

    def start(program: Program, workers: int = 1) -> Run:
        runs.append(Run(env, program, tmp_path, workers))
        return runs[-1]

    yield start
    for run in runs:
        run.stop()


class Killer:
    """SIGKILL the worker at a random moment once it makes progress, then restart it."""

    def __init__(self, seed: int, kills: int) -> None:
        self.rng, self.left = random.Random(seed), kills
        self.restarted: float | None = None
        self.kill_at: float | None = None
        self.base: int | None = None
        self.recoveries: list[float] = []  # restart to first progress, seconds

    def __call__(self, run: Run) -> None:
        if self.left == 0 and self.kill_at is not None:
            return
        now, progress = time.monotonic(), sum(run.done().values())
        if self.kill_at is None:
            if self.base is None:
                self.base = progress
            elif progress > self.base:
                if self.restarted is not None:
                    self.recoveries.append(now - self.restarted)
                self.kill_at = now + self.rng.uniform(0.1, 1.5)
            return
        if self.left == 0:
            return
        if now >= self.kill_at:
            worker = run.workers[0]
            os.kill(worker.process.pid, signal.SIGKILL)
            worker.process.wait(10)
            run.note(f"SIGKILL pid {worker.process.pid} at {progress} messages")
            run.workers[0] = run.start_worker()
            self.left -= 1
            self.restarted, self.kill_at, self.base = time.monotonic(), None, None


def test_sigkill_the_worker_five_times(large: Program, run_of: object) -> None:
    run = run_of(large)  # type: ignore[operator]
    killer = Killer(seed=20260, kills=KILLS)
    phases = thinned(large, 5)
    for phase in phases:
        run.phase(phase, hook=killer if phase.name in BUSY else None)
    figures = check(run, check_ledger, expected_rejections(phases))
    print(f"\nSIGKILL: {KILLS - killer.left} kills, recovery (restart to first progress) "
          f"{', '.join(f'{s:.1f}' for s in killer.recoveries)} s; {figures}")
    assert killer.left == 0, f"only {KILLS - killer.left} kills: the run was too short"


class Outage:
    """Stop a service once the busy phase makes progress, start it after ``seconds``."""

    def __init__(self, name: str, seconds: float, on_down: Callable[[Run], None]
                 | None = None) -> None:
        self.name, self.seconds, self.on_down = name, seconds, on_down
        self.base: int | None = None
        self.stopped_at: float | None = None
        self.restarted_at: float | None = None

    def __call__(self, run: Run) -> None:
        if self.restarted_at is not None:
            return
        if self.stopped_at is None:
            progress = sum(run.done().values())
            if self.base is None:
                self.base = progress
            elif progress > self.base:
                services("stop", self.name)
                self.stopped_at = time.monotonic()
                run.note(f"{self.name} stopped at {progress} messages")
            return
        if self.on_down is not None:
            self.on_down(run)
        if time.monotonic() - self.stopped_at >= self.seconds:
            services("start", self.name)
            self.restarted_at = time.monotonic()
            run.note(f"{self.name} started after {self.restarted_at - self.stopped_at:.1f} s")


    def finish(self, run: Run) -> None:
        """If the phase was processed before the outage ended: wait it out, restart."""
        while self.stopped_at is not None and self.restarted_at is None:
            self(run)
            time.sleep(0.2)


def _with_outage(program: Program, run: Run, outage: Outage) -> dict[str, object]:
    phases = thinned(program, 4)
    try:
        for phase in phases:
            run.phase(phase, hook=outage if phase.name == "assessments" else None)
            outage.finish(run)
    finally:
        if outage.stopped_at is not None and outage.restarted_at is None:
            services("start", outage.name)
    assert outage.restarted_at is not None, "the phase ended before the outage began"
    return check(run, check_ledger, expected_rejections(phases))


def test_kafka_broker_restart_mid_stream(medium: Program, run_of: object) -> None:
    run = run_of(medium)  # type: ignore[operator]
    figures = _with_outage(medium, run, Outage("kafka", 5))
    print(f"\nKafka restart: {run.events}; {figures}")


def test_postgres_stopped_for_20_seconds(medium: Program, run_of: object) -> None:
    """The worker retries with backoff and commits no Kafka offset for unwritten work:
    while the database is down, the group's committed offsets stay put, and never pass
    what the database recorded as processed (docs/pipeline.md "Commit protocol")."""
    run = run_of(medium)  # type: ignore[operator]
    committed: list[dict[tuple[str, int], int]] = []
    outage = Outage("postgres", 20, lambda r: committed.append(group_offsets(r.env)))
    figures = _with_outage(medium, run, outage)
    tracked = tracked_offsets(run.env["PAC_DATABASE_URL"])
    during = [c for c in committed if c]
    assert during, "no committed offsets were read during the outage"
    assert during[len(during) // 3] == during[-1], "offsets committed while the DB was down"
    for (topic, partition), offset in during[-1].items():
        assert offset <= tracked.get((topic, partition), -1) + 1, (topic, partition)
    retries = sum(w.log.read_text().count("database unavailable") +
                  w.log.read_text().count("database connection lost") for w in run.workers)
    assert retries >= 2, "no retry logged while the database was down"
    assert all(w.process.poll() is None for w in run.workers)
    print(f"\nPostgreSQL outage: {run.events}; {retries} retries logged; {figures}")


def twice_out_of_order(records: list[Record], rng: random.Random) -> list[Record]:
    """Every record twice, the copy somewhere after its original, and the keys
    interleaved at random. The order of one key's records is kept: they share a
    partition, and Kafka keeps a partition's order (docs/events.md s1: keys), so only the order
    across partitions and topics is scrambled, as a real broker may."""
    lanes: dict[tuple[str, bytes | None], list[Record]] = {}
    for record in records:
        lane = lanes.setdefault((record[0], record[1]), [])
        lane.append(record)
    mixed: list[list[Record]] = []
    for lane in lanes.values():
        out = list(lane)
        for record in lane:
            out.insert(rng.randint(out.index(record) + 1, len(out)), record)
        mixed.append(out)
    result: list[Record] = []
    while mixed:
        lane = rng.choice(mixed)
        result.append(lane.pop(0))
        if not lane:
            mixed.remove(lane)
    return result


def test_every_input_twice_and_out_of_order(medium: Program, run_of: object) -> None:
    """Each phase's messages twice and scrambled across keys and partitions: the same
    ledger as delivering once (docs/events.md s11: event_id and payment_ref redeliveries)."""
    run = run_of(medium)  # type: ignore[operator]
    rng = random.Random(4242)
    for phase in thinned(medium, 4):
        records: list[Record] = [(m.topic, m.key, m.value) for m in phase.messages]
        if phase.name != "malformed":  # rejected messages are judged again each time
            records = twice_out_of_order(records, rng)
        run.phase(phase, records)
    figures = check(run, check_ledger)
    print(f"\nTwice, out of order: {figures}")


def test_two_workers_give_the_same_ledger_as_one(medium: Program, run_of: object) -> None:
    run = run_of(medium, workers=2)  # type: ignore[operator]
    members: list[int] = []
    polls = iter(range(10**9))

    def sample(r: Run) -> None:  # the group's size, every 20th poll (an admin call)
        if next(polls) % 20 == 0:
            members.append(group_members(r.env))

    phases = thinned(medium, 4)
    for phase in phases:
        run.phase(phase, hook=sample)
    assert max(members) == 2, f"the group never had two members: {set(members)}"
    figures = check(run, check_ledger, expected_rejections(phases))
    print(f"\nTwo workers: {figures}")
