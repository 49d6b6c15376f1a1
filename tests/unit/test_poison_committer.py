"""The Committer and the real batch handler on SQLite, with a refusal made by a trigger.

A test-only trigger refuses one commune code (or every cycle row, or every dead letter):
the database itself refuses, as a constraint of the real schema would. A refused commune
is set aside as ``storage_rejected`` and the 499 others commit; a refused cycle event or
payment is held and retried (never set aside) with ``pac_batch_stuck`` at 1 until the
trigger is dropped. PostgreSQL and a worker on Kafka: tests/integration/test_poison.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from pac_grants.ledger import Ledger
from pac_grants.metrics import Metrics
from pac_grants.observer import Observer
from streams.commit import Committer
from streams.handlers import BatchHandler
from streams.messages import BatchOutcome, Message
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import PREFIX, Feed, commune, opened, paid

COMMUNES = f"{PREFIX}communes.v1"
BAD = "09.250"


def refuse(ledger: Ledger, table: str, when: str = "1", name: str = "pac_test_refuse") -> None:
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {when} "
            f"BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END")


def allow(ledger: Ledger, name: str = "pac_test_refuse") -> None:
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")


def count(ledger: Ledger, sql: str) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def communes_batch(feed: Feed, n: int = 500) -> list[Message]:
    """n registrations over 4 partitions, commune BAD in the middle (index n // 2)."""
    codes = [f"09.{k:03d}" for k in range(n)]
    codes[n // 2] = BAD
    return [feed.message("communes", ev.raw(commune(code)), code, partition=k % 4)
            for k, code in enumerate(codes)]


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def committer(feed: Feed, registry: CollectorRegistry) -> Committer:
    return Committer(feed.handler, first_delay=0.01, max_delay=0.05,
                     observer=Observer(Metrics.create(registry)))


def sample(registry: CollectorRegistry, name: str, topic: str) -> float | None:
    return registry.get_sample_value(name, {"topic": topic})


def test_a_refused_commune_is_set_aside_and_the_499_others_commit(
        registry: CollectorRegistry) -> None:
    feed = Feed()
    refuse(feed.ledger, "pipeline_communes", f"NEW.code = '{BAD}'")
    messages = communes_batch(feed)
    outcome = committer(feed, registry).run(messages)

    assert outcome is not None and outcome.consumed == 500
    assert outcome.rejected == [(COMMUNES, "storage_rejected")]
    assert count(feed.ledger, "SELECT count(*) FROM pipeline_communes") == 499
    assert count(feed.ledger, f"SELECT count(*) FROM pipeline_communes WHERE code = '{BAD}'") == 0
    [letter] = feed.ledger.dead_letters()
    bad = messages[250]
    assert (letter.code, letter.partition, letter.offset) == ("storage_rejected", 2, 62)
    assert (bad.partition, bad.offset) == (2, 62)
    assert letter.message == "IntegrityError: refused by a test trigger"
    assert letter.details == [] and letter.raw_value == bad.value.decode()  # type: ignore[union-attr]
    [(_id, topic, key, value)] = feed.pending()
    assert (topic, key) == (f"{PREFIX}dead-letters.v1", BAD.encode())
    assert json.loads(value)["error"] == {
        "code": "storage_rejected", "message": "IntegrityError: refused by a test trigger",
        "details": []}
    # The set-aside offset is tracked with the others: the last of each partition.
    with feed.ledger.unit_of_work() as uow:
        assert uow.state.tracked_offsets(COMMUNES) == {0: 124, 1: 124, 2: 124, 3: 124}
    assert sample(registry, "pac_batch_failures_total", COMMUNES) == 1
    assert sample(registry, "pac_batch_stuck", COMMUNES) == 0
    assert feed.ledger.verify().ok


def test_a_redelivered_batch_does_not_try_the_set_aside_message_again(
        registry: CollectorRegistry) -> None:
    feed = Feed()
    refuse(feed.ledger, "pipeline_communes", f"NEW.code = '{BAD}'")
    messages = communes_batch(feed)
    running = committer(feed, registry)
    running.run(messages)
    again = running.run(messages)  # the trigger is still there
    assert again is not None and again.skipped == 500
    assert (again.consumed, again.rejected) == (0, [])
    assert len(feed.ledger.dead_letters()) == 1
    assert sample(registry, "pac_batch_failures_total", COMMUNES) == 1


def test_the_first_and_the_last_message_of_a_batch_can_be_set_aside(
        registry: CollectorRegistry) -> None:
    feed = Feed()
    messages = communes_batch(feed, 40)
    first, last = json.loads(messages[0].value or b""), json.loads(messages[-1].value or b"")
    refuse(feed.ledger, "pipeline_communes",
           f"NEW.code IN ('{first['code']}', '{last['code']}')")
    outcome = committer(feed, registry).run(messages)
    assert outcome is not None and len(outcome.rejected) == 2
    assert count(feed.ledger, "SELECT count(*) FROM pipeline_communes") == 38
    assert sorted(d.offset for d in feed.ledger.dead_letters()) == [0, 9]


class Outage(BatchHandler):
    """The real handler, whose ``n``-th call loses the database before it starts."""

    def __init__(self, ledger: Ledger, n: int) -> None:
        super().__init__(ledger, PREFIX)
        self.n, self.calls = n, 0

    def handle(self, messages: Sequence[Message], alone: bool = False) -> BatchOutcome:
        self.calls += 1
        if self.calls == self.n:
            raise OperationalError("BEGIN", {}, Exception("server closed the connection"))
        return super().handle(messages, alone)


def test_a_lost_connection_during_the_split_resumes_without_doubling(
        registry: CollectorRegistry) -> None:
    feed = Feed()
    refuse(feed.ledger, "pipeline_communes", f"NEW.code = '{BAD}'")
    feed.handler = Outage(feed.ledger, n=5)  # 500 no, 250 ok, 250 no, 125 no: lost
    messages = communes_batch(feed)
    outcome = committer(feed, registry).run(messages)
    assert outcome is not None and outcome.consumed == 500  # each message counted once
    assert outcome.rejected == [(COMMUNES, "storage_rejected")]
    assert outcome.skipped == 250  # the retry skipped the half that committed
    assert count(feed.ledger, "SELECT count(*) FROM pipeline_communes") == 499
    assert len(feed.ledger.dead_letters()) == 1


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def refused_cycle(feed: Feed) -> Message:
    refuse(feed.ledger, "pipeline_cycles")
    return feed.message("cycles", ev.raw(opened()))


def refused_payment(feed: Feed) -> Message:
    """A payment for a cycle never opened is dead-lettered (unknown_cycle); refusing
    every dead letter makes the database refuse its batch."""
    refuse(feed.ledger, "dead_letters")
    return feed.message("disbursements", ev.raw(paid("09.001", "10.00", "TGR-1")))


@pytest.mark.parametrize("make", [refused_cycle, refused_payment])
def test_a_refused_cycle_event_or_payment_is_held_and_retried_never_set_aside(
        make: Callable[[Feed], Message], registry: CollectorRegistry, tmp_path: Path) -> None:
    feed = Feed(f"sqlite:///{tmp_path / 'ledger.db'}")  # a file: two threads use it
    message = make(feed)
    running = committer(feed, registry)
    result: list[BatchOutcome | None] = []
    thread = threading.Thread(target=lambda: result.append(running.run([message])))
    thread.start()
    try:
        wait_for(lambda: (sample(registry, "pac_batch_failures_total", message.topic) or 0) >= 3)
        assert thread.is_alive() and sample(registry, "pac_batch_stuck", message.topic) == 1
        assert count(feed.ledger, "SELECT count(*) FROM pipeline_offsets") == 0
        assert feed.ledger.dead_letters() == []
    finally:
        allow(feed.ledger)
        thread.join(10)
    [outcome] = result
    assert outcome is not None and outcome.consumed == 1
    assert sample(registry, "pac_batch_stuck", message.topic) == 0
    with feed.ledger.unit_of_work() as uow:
        assert uow.state.tracked_offsets(message.topic) == {0: 0}
    if message.topic.endswith("cycles.v1"):
        assert outcome.rejected == [] and count(feed.ledger, "SELECT count(*) FROM "
                                                "pipeline_cycles") == 1
    else:  # the dead letter it was due, not storage_rejected
        assert outcome.rejected == [(message.topic, "unknown_cycle")]


def test_a_refused_message_whose_dead_letter_is_refused_too_holds_its_batch(
        registry: CollectorRegistry, tmp_path: Path) -> None:
    """Nothing is skipped without its dead letter: the batch waits for the fix."""
    feed = Feed(f"sqlite:///{tmp_path / 'ledger.db'}")
    refuse(feed.ledger, "pipeline_communes", f"NEW.code = '{BAD}'")
    refuse(feed.ledger, "dead_letters", name="pac_test_refuse_letters")
    messages = communes_batch(feed, 8)
    running = committer(feed, registry)
    result: list[BatchOutcome | None] = []
    thread = threading.Thread(target=lambda: result.append(running.run(messages)))
    thread.start()
    try:
        wait_for(lambda: sample(registry, "pac_batch_stuck", COMMUNES) == 1)
        assert feed.ledger.dead_letters() == []
    finally:
        allow(feed.ledger, "pac_test_refuse_letters")
        thread.join(10)
    [outcome] = result
    assert outcome is not None and outcome.rejected == [(COMMUNES, "storage_rejected")]
    assert outcome.consumed == 8  # the halves committed before the hold are counted once
    assert count(feed.ledger, "SELECT count(*) FROM pipeline_communes") == 7
    assert sample(registry, "pac_batch_stuck", COMMUNES) == 0


def test_a_held_batch_ends_uncommitted_when_the_worker_stops(
        registry: CollectorRegistry, tmp_path: Path) -> None:
    feed = Feed(f"sqlite:///{tmp_path / 'ledger.db'}")
    message = refused_cycle(feed)
    running = committer(feed, registry)
    result: list[BatchOutcome | None] = []
    thread = threading.Thread(target=lambda: result.append(running.run([message])))
    thread.start()
    wait_for(lambda: sample(registry, "pac_batch_stuck", message.topic) == 1)
    running.stopping.set()
    thread.join(10)
    assert result == [None]  # the worker then exits 75 without acking (streams/app.py)
    assert count(feed.ledger, "SELECT count(*) FROM pipeline_cycles") == 0


def test_once_the_cause_is_fixed_the_message_sent_again_takes_effect(
        registry: CollectorRegistry) -> None:
    """As `pac-grants dlq replay --code storage_rejected` does: the set-aside message was
    not recorded as processed, so at its new offset it is judged again."""
    feed = Feed()
    refuse(feed.ledger, "pipeline_communes", f"NEW.code = '{BAD}'")
    running = committer(feed, registry)
    bad = communes_batch(feed)[250]
    running.run([bad])
    allow(feed.ledger)
    replayed = feed.message("communes", bad.value, BAD, partition=bad.partition)
    outcome = running.run([replayed])
    assert outcome is not None and (outcome.consumed, outcome.rejected) == (1, [])
    assert count(feed.ledger, f"SELECT count(*) FROM pipeline_communes WHERE code = '{BAD}'") == 1
