"""The stream pipeline end to end on the real services (issue 3; docs/ledger.md, docs/events.md).

``pac-grants topics create``, ``pac-grants worker`` (a child process) and
``pac-grants publish`` run the sample program phase by phase on the real Kafka broker of
``scripts/services``, with the ledger on SQLite and on a fresh PostgreSQL database: a
whole cycle's life (issue 10), from notification and complaints to approval, a revision
and a pool change refused after approval, a correction of reference data that changes
no approved cycle, a reopening whose second approval posts exactly the differences; and
the money's path (issue 11): co-financed pools, payment orders in tranches, payments
naming their order or not, partial and missing payments, cancellations at the
re-approval, a debt refunded and debts offset by a later grant, a carry-over from 2022
to 2023. After each phase the ledger must equal an independent replay of
docs/events.md's rules through the offline engine and of the treasury's rules
(tests/unit/scenario_treasury.py), to the centime: every account, every transaction
(with its effective date) and every payment order; the ``pac.payment-orders.v1`` topic
carries exactly the replay's order events; every bad message must be dead-lettered
once with its code; exact duplicates must change nothing; ``pac-grants ledger verify``
must pass. Each test uses its own topic prefix, so tests never see each other's
messages.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pac_grants.broker.publish import producer, send_all
from pac_grants.broker.topics import INPUTS, OUTPUTS, topic_name
from pac_grants.ledger import Ledger
from pac_grants.scenario import Message, Program, generate_program
from pac_grants.settings import Settings
from tests.integration.fault_runs import assert_kinds
from tests.integration.lifecycle_checks import Snapshots, check_phase
from tests.integration.pipeline_support import (
    Reference,
    Worker,
    cli,
    publish_phase,
    wait_processed,
)
from tests.unit.scenario_money import assert_ledger_is, expected_order_events, order_events

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def program() -> Program:
    """A program the demo does not use (another seed), every cycle: 2021 is reopened,
    2022 has a pool change before approval and a complaint that holds it up, 2024 two
    windows; every dead-letter code occurs."""
    return generate_program(seed=7301)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def env(broker_url: str, database_url: str) -> dict[str, str]:
    return {"PAC_BROKER_URL": f"kafka://{broker_url}", "PAC_DATABASE_URL": database_url,
            "PAC_TOPIC_PREFIX": f"it{uuid.uuid4().hex[:10]}.", "PAC_METRICS_PORT": "0"}


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[Worker]:
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    assert created.stdout.split() == [topic_name(env["PAC_TOPIC_PREFIX"], logical)
                                      for logical in INPUTS + OUTPUTS]
    assert_topic_configs(env)
    running = Worker(env, tmp_path / "worker.log")
    yield running
    assert running.stop() == 0, running.tail()


def assert_topic_configs(env: dict[str, str]) -> None:
    """docs/events.md s1: ``communes`` is compacted; inputs have the default 4 partitions."""
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=env["PAC_BROKER_URL"].split("://")[1])
    try:
        communes = topic_name(env["PAC_TOPIC_PREFIX"], "communes")
        found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, communes,
                                                       ["cleanup.policy"])])
        assert found["topic"][communes]["cleanup.policy"]["value"] == "compact"
        assessments = topic_name(env["PAC_TOPIC_PREFIX"], "assessments")
        [described] = admin.describe_topics([assessments])
        assert len(described["partitions"]) == 4
    finally:
        admin.close()


def republish(env: dict[str, str], messages: list[Message]) -> Counter[str]:
    """Send messages again with one kafka-python producer; count them per topic."""
    settings = Settings(broker_url=env["PAC_BROKER_URL"], topic_prefix=env["PAC_TOPIC_PREFIX"])
    by_topic: dict[str, list[tuple[bytes | None, bytes]]] = {}
    for message in messages:
        name = topic_name(settings.topic_prefix, message.topic)
        by_topic.setdefault(name, []).append((message.key, message.value))
    kafka = producer(settings)
    try:
        for name, records in by_topic.items():
            list(send_all(kafka, name, records))
    finally:
        kafka.close()
    return Counter({name: len(records) for name, records in by_topic.items()})


def read_topic(env: dict[str, str], logical: str, count: int) -> list[bytes]:
    """The values of the first ``count`` records of an output topic (bounded wait)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic_name(env["PAC_TOPIC_PREFIX"], logical),
                             bootstrap_servers=env["PAC_BROKER_URL"].split("://")[1],
                             auto_offset_reset="earliest", consumer_timeout_ms=20_000)
    try:
        records = []
        for record in consumer:
            records.append(bytes(record.value))
            if len(records) >= count:
                break
        return records
    finally:
        consumer.close()


def check_ledger(ledger: Ledger, reference: Reference) -> None:
    """Every opened cycle's allocation is the offline engine's, and every account,
    transaction and payment order the treasury replay's, to the centime."""
    for cycle in reference.pools:
        allocated = {k: v for k, v in ledger.allocated(cycle).items() if v}
        assert allocated == reference.posted.get(cycle, {}), cycle
    assert_ledger_is(ledger, reference.money)


def test_sample_program_end_to_end(program: Program, env: dict[str, str], worker: Worker,
                                   database_url: str, tmp_path: Path) -> None:
    files = tmp_path / "program"
    program.write_jsonl(files)
    manifest = json.loads((files / "manifest.json").read_text())
    reference, sent = Reference(), Counter[str]()
    ledger = Ledger.from_url(database_url)
    snapshots = Snapshots()
    try:
        for phase in program.phases:
            publish_phase(env, files, manifest, phase.name, sent)
            for message in phase.messages:
                reference.apply(message)
            wait_processed(database_url, dict(sent), worker)
            check_ledger(ledger, reference)
            check_phase(ledger, program, phase.name, snapshots)
        kinds = assert_kinds(database_url, reference)
        assert kinds["offset"] and kinds["recovery"] and kinds["carry_over"], kinds
        assert reference.approvals[2021] == 2
        expected = Counter(m.expect_rejection for m in program.messages()
                           if m.expect_rejection)
        assert Counter(d.code for d in ledger.dead_letters(limit=10_000)) == expected
        letters = [json.loads(v) for v in read_topic(env, "dead-letters",
                                                     sum(expected.values()))]
        assert Counter(r["error"]["code"] for r in letters) == expected
        assert all(set(r) >= {"received_at", "source_topic", "partition", "offset", "key",
                              "raw_value", "error"} for r in letters)
        published = expected_order_events(reference.money)
        orders = read_topic(env, "payment-orders", sum(published.values()))
        assert order_events(orders) == published
        transactions = ledger.verify()
        # Exact duplicates of every accepted message: no effect at all. (A rejected
        # message is not an effect: sent again it is judged again, which is what
        # `dlq replay` relies on; so those are left out here.)
        again = [m for m in program.messages() if not m.expect_rejection]
        sent.update(republish(env, again))
        wait_processed(database_url, dict(sent), worker)
        check_ledger(ledger, reference)
        assert ledger.verify().line() == transactions.line()
        assert Counter(d.code for d in ledger.dead_letters(limit=10_000)) == expected
    finally:
        ledger.dispose()
    verify = cli(env, "ledger", "verify")
    assert verify.returncode == 0 and verify.stdout.startswith("ok:"), verify.stdout
