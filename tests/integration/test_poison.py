"""Poison isolation on the real PostgreSQL, and once through a worker on the real Kafka.

The fault is real: a test-only CHECK constraint, added as the database owner and
removed after, refuses one commune code (docs/reliability.md "Poison isolation"). In a
batch of 500 registrations with that commune in the middle, 499 take effect and one is
dead-lettered ``storage_rejected`` (the constraint's error, one line); the Committer
(and the worker) carry on, the ledger equals an independent replay of the accepted
messages (tests/integration/pipeline_support.py ``Reference``) and ``verify`` passes. A
refused cycle event is held and retried instead, with ``pac_batch_stuck`` at 1, and
commits once the constraint is gone; so is a batch refused for the grants (systemic).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine, text

from pac_grants.ledger import Ledger
from pac_grants.metrics import Metrics
from pac_grants.observer import Observer
from pac_grants.scenario import Message, Phase, Program, generate_program
from pac_grants.scenario.encoding import dumps, loads
from streams import messages as streams
from streams.commit import Committer
from streams.handlers import BatchHandler
from tests.integration.fault_runs import Run, check, expected_rejections
from tests.integration.fault_support import create_topics, dead_letter_records, pipeline_env
from tests.integration.pipeline_support import Reference, cli
from tests.integration.test_pipeline_e2e import check_ledger
from tests.integration.test_worker_metrics import free_port, samples, scrape, value

pytestmark = pytest.mark.integration

PREFIX = "poison."
CONSTRAINT = "pac_test_refuses_one_commune"
#: The phases that need no payment: a refused commune changes every share of the pool,
#: so the scenario's payments (computed with it) would no longer fit the outstanding.
PHASES = ("reference", "open", "assessments", "close")


@pytest.fixture(scope="module")
def program() -> Program:
    """515 communes (scale 5), one cycle; the phases of PHASES only. The closing approves
    whatever the inputs are (no ``inputs_digest``): the generator's digest names the 515
    communes, which one refused commune changes (``inputs_changed``)."""
    whole = generate_program(seed=1616, scale=5, cycles=(2023,))
    return dataclasses.replace(whole, phases=[_any_inputs(p) for p in whole.phases
                                              if p.name in PHASES])


def _any_inputs(phase: Phase) -> Phase:
    def closing(message: Message) -> Message:
        event = loads(message.value)
        if event.get("event_type") != "CycleClosed":
            return message
        event.pop("inputs_digest", None)
        return dataclasses.replace(message, value=dumps(event).encode("utf-8"))

    return Phase(phase.name, tuple(closing(m) for m in phase.messages))


def bad_code(program: Program) -> str:
    """The commune registered 251st: in the middle of the first batch of 500."""
    return str(loads(program.phases[0].messages[250].value)["code"])


def about(message: Message, code: str) -> bool:
    event = loads(message.value)
    return code in (event.get("code"), event.get("commune_code"))


def accepted(phase: Phase, code: str) -> Phase:
    """The phase as the reference sees it: nothing of the refused commune takes effect
    (its registration is set aside; its assessments wait for a commune never known)."""
    return Phase(phase.name, tuple(m for m in phase.messages if not about(m, code)))


def owner_sql(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def refusing(fresh_postgres_url: str, program: Program) -> Iterator[str]:
    """A migrated ledger whose ``pipeline_communes`` refuses the bad commune's code."""
    ledger = Ledger.from_url(fresh_postgres_url)
    ledger.upgrade()
    ledger.dispose()
    owner_sql(fresh_postgres_url, f"ALTER TABLE pipeline_communes ADD CONSTRAINT {CONSTRAINT} "
                                  f"CHECK (code <> '{bad_code(program)}')")
    yield fresh_postgres_url
    owner_sql(fresh_postgres_url,
              f"ALTER TABLE pipeline_communes DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Broker:
    """Numbers offsets like Kafka: partition by the key's hash, per (topic, partition)."""

    def __init__(self) -> None:
        self.next: Counter[tuple[str, int]] = Counter()

    def place(self, message: Message) -> streams.Message:
        topic = f"{PREFIX}{message.topic}.v1"
        partition = zlib.crc32(message.key or b"") % 4
        offset = self.next[(topic, partition)]
        self.next[(topic, partition)] += 1
        return streams.Message(topic, partition, offset, message.key, message.value)


def batches(broker: Broker, phase: Phase, size: int = 500) -> Iterator[list[streams.Message]]:
    """One topic's messages at a time, in batches of ``size`` (as ``take_events``)."""
    by_topic: dict[str, list[Message]] = {}
    for message in phase.messages:
        by_topic.setdefault(message.topic, []).append(message)
    for items in by_topic.values():
        placed = [broker.place(m) for m in items]
        for start in range(0, len(placed), size):
            yield placed[start:start + size]


def count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


#: The dead letter's message: the error's class and PostgreSQL's first line (its DETAIL
#: line, with the row's values, and SQLAlchemy's SQL are left out).
REFUSED = (f'IntegrityError: new row for relation "pipeline_communes" violates check '
           f'constraint "{CONSTRAINT}"')


def test_a_refused_commune_in_a_batch_of_500_is_set_aside_and_499_take_effect(
        refusing: str, program: Program) -> None:
    url, code = refusing, bad_code(program)
    ledger = Ledger.from_url(url)
    registry = CollectorRegistry()
    committer = Committer(BatchHandler(ledger, PREFIX), first_delay=0.05,
                          observer=Observer(Metrics.create(registry)))
    broker, reference = Broker(), Reference()
    try:
        for phase in program.phases:
            for batch in batches(broker, phase):
                outcome = committer.run(batch)
                assert outcome is not None and outcome.consumed == len(batch)
                if phase.name == "reference" and len(batch) == 500:
                    first = batch
                    assert outcome.rejected == [(batch[0].topic, "storage_rejected")]
                    assert count(url, "SELECT count(*) FROM pipeline_communes") == 499
            for message in accepted(phase, code).messages:
                reference.apply(message)
        check_ledger(ledger, reference)
        [letter] = ledger.dead_letters(code="storage_rejected")
        bad = first[250]
        assert (letter.source_topic, letter.partition, letter.offset) == \
            (bad.topic, bad.partition, bad.offset)
        assert letter.message == REFUSED and letter.details == []
        expected = expected_rejections(program.phases) + Counter(storage_rejected=1)
        assert Counter(d.code for d in ledger.dead_letters(limit=10_000)) == expected
        assert count(url, f"SELECT count(*) FROM pipeline_communes WHERE code = '{code}'") == 0
        failures = registry.get_sample_value("pac_batch_failures_total",
                                             {"topic": bad.topic})
        assert failures == 1
        # Redelivered (the constraint still there): skipped whole, no second dead letter.
        again = committer.run(first)
        assert again is not None and (again.skipped, again.rejected) == (500, [])
        assert len(ledger.dead_letters(code="storage_rejected")) == 1
        report = ledger.verify()
        assert report.ok, report.line()
    finally:
        ledger.dispose()
    verify = cli({"PAC_DATABASE_URL": url}, "ledger", "verify")
    assert verify.returncode == 0 and verify.stdout.startswith("ok:"), verify.stdout


def held(committer: Committer, batch: list[streams.Message], registry: CollectorRegistry,
         fix: Callable[[], None]) -> streams.BatchOutcome:
    """Run a batch the database refuses in a thread; check that it is held and retried
    (not set aside), then ``fix`` the cause and return the outcome of its commit."""
    topic = batch[0].topic
    result: list[streams.BatchOutcome | None] = []
    thread = threading.Thread(target=lambda: result.append(committer.run(batch)))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while (registry.get_sample_value("pac_batch_failures_total", {"topic": topic})
               or 0) < 3:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.05)
        assert registry.get_sample_value("pac_batch_stuck", {"topic": topic}) == 1
        assert committer.handler.ledger.dead_letters() == []
    finally:
        fix()
        thread.join(30)
    [outcome] = result
    assert outcome is not None
    assert registry.get_sample_value("pac_batch_stuck", {"topic": topic}) == 0
    return outcome


def opening(program: Program) -> Iterable[Message]:
    return (m for p in program.phases if p.name == "open" for m in p.messages)


def test_a_refused_cycle_event_is_held_and_retried_then_commits(
        fresh_postgres_url: str, program: Program) -> None:
    url = fresh_postgres_url
    ledger = Ledger.from_url(url)
    ledger.upgrade()
    owner_sql(url, "ALTER TABLE pipeline_cycles ADD CONSTRAINT pac_test_refuses_cycles "
                   "CHECK (cycle < 2000)")
    registry = CollectorRegistry()
    committer = Committer(BatchHandler(ledger, PREFIX), first_delay=0.05, max_delay=0.2,
                          observer=Observer(Metrics.create(registry)))
    broker = Broker()
    try:
        batch = [broker.place(m) for m in opening(program)]
        outcome = held(committer, batch, registry, lambda: owner_sql(
            url, "ALTER TABLE pipeline_cycles DROP CONSTRAINT pac_test_refuses_cycles"))
        assert (outcome.consumed, outcome.rejected) == (1, [])
        assert count(url, "SELECT count(*) FROM pipeline_cycles WHERE cycle = 2023") == 1
        assert ledger.verify().ok
    finally:
        ledger.dispose()


def test_a_batch_refused_for_the_grants_is_held_not_dead_lettered(
        fresh_postgres_url: str, program: Program) -> None:
    """Permission denied (SQLSTATE 42501) is the database's setup, not the message's:
    it would refuse every message alike, so nothing is set aside."""
    url = fresh_postgres_url
    ledger = Ledger.from_url(url)
    ledger.upgrade()
    owner_sql(url, "REVOKE INSERT ON pipeline_communes FROM CURRENT_USER")
    registry = CollectorRegistry()
    committer = Committer(BatchHandler(ledger, PREFIX), first_delay=0.05, max_delay=0.2,
                          observer=Observer(Metrics.create(registry)))
    try:
        broker = Broker()
        batch = [broker.place(m) for m in program.phases[0].messages[:20]]
        outcome = held(committer, batch, registry, lambda: owner_sql(
            url, "GRANT INSERT ON pipeline_communes TO CURRENT_USER"))
        assert (outcome.consumed, outcome.rejected) == (20, [])
        assert count(url, "SELECT count(*) FROM pipeline_communes") == 20
    finally:
        ledger.dispose()


def test_a_worker_on_kafka_sets_the_refused_commune_aside_and_stays_up(
        broker_url: str, refusing: str, program: Program, tmp_path: Path) -> None:
    code = bad_code(program)
    env = pipeline_env(broker_url, refusing, PAC_METRICS_PORT=str(free_port()))
    create_topics(env)
    run = Run(env, program, tmp_path)
    try:
        for phase in program.phases:
            records = [(m.topic, m.key, m.value) for m in phase.messages]
            run.phase(accepted(phase, code), records=records)
        found = samples(scrape(int(env["PAC_METRICS_PORT"])))
        communes = f"{env['PAC_TOPIC_PREFIX']}communes.v1"
        assert value(found, "pac_events_rejected_total", topic=communes,
                     code="storage_rejected") == 1
        assert (value(found, "pac_batch_failures_total", topic=communes) or 0) >= 1
        assert value(found, "pac_batch_stuck", topic=communes) == 0
        rejections = expected_rejections(program.phases) + Counter(storage_rejected=1)
        figures = check(run, check_ledger, rejections)
        letters = [r for r in dead_letter_records(env, sum(rejections.values()))
                   if r["error"]["code"] == "storage_rejected"]
        assert [r["key"] for r in letters] == [code]
        assert letters[0]["error"]["message"] == REFUSED
        print(f"\npoison on Kafka: {figures}")
    finally:
        codes = run.stop()
    logs = "".join(w.log.read_text(errors="replace") for w in run.workers)
    assert codes == [0], logs[-3000:]
    assert "Traceback" not in logs
    assert "set aside as storage_rejected" in logs
    sizes = re.findall(r"a batch of (\d+) messages of \S+ was refused", logs)
    print(f"refused batches on Kafka (messages): {', '.join(sizes)}")
