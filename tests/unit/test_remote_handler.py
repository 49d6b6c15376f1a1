"""The batch handler in its own process (streams/remote.py), on a SQLite file.

The worker's committer drives a :class:`RemoteHandler`: batches commit in the child and
come back as the same outcomes; a message the database refuses there is judged by the
committer here exactly as before (set aside as ``storage_rejected`` with the driver's
line, the others committed); a cycle event refused there is held, not set aside; and the
provisional results' process (streams/sidecar.py) publishes from the state the child
committed. An in-memory ledger cannot be shared: the handler then stays in the worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from models.codes import ResultStatus
from pac_grants.ledger import Ledger
from pac_grants.metrics import Metrics
from pac_grants.observer import Observer
from streams.commit import Committer
from streams.handlers import BatchHandler
from streams.isolation import Failure, RemoteFailure
from streams.messages import Message
from streams.remote import RemoteHandler, shareable
from streams.sidecar import Sidecar
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import PREFIX, assessment, commune, opened
from tests.unit.test_poison_committer import BAD, allow, count, refuse

A, B = "01.001.01.01", "01.001.01.02"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened_ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    opened_ledger.upgrade()
    yield opened_ledger
    opened_ledger.dispose()


@pytest.fixture
def remote(ledger: Ledger) -> Iterator[RemoteHandler]:
    handler = RemoteHandler(ledger, PREFIX, 0, None, lambda: datetime(2030, 1, 1, tzinfo=UTC))
    yield handler
    handler.stop()


def message(topic: str, offset: int, data: dict[str, object], partition: int = 0) -> Message:
    return Message(f"{PREFIX}{topic}.v1", partition, offset, None, ev.raw(data))


def test_batches_commit_in_the_child_and_come_back_as_outcomes(
        ledger: Ledger, remote: RemoteHandler) -> None:
    remote.handle([message("communes", 0, commune(A)), message("communes", 1, commune(B))])
    remote.handle([message("cycles", 0, opened())])
    outcome = remote.handle([message("assessments", 0, assessment(A)),
                             message("assessments", 1, assessment(A)),  # the same again
                             Message(f"{PREFIX}assessments.v1", 0, 2, None, b"{bad")])
    assert (outcome.consumed, outcome.duplicates, outcome.rejected, outcome.provisional) == (
        3, 1, [(f"{PREFIX}assessments.v1", "malformed_json")], {2021})
    assert outcome.queued == 1  # the dead letter, for the worker's outbox drain
    with ledger.reader() as reader:
        assert set(reader.state.counted(2021)) == {A}
    sidecar = Sidecar(ledger, f"{PREFIX}allocations.v1", BatchHandler(
        ledger, PREFIX).publish_provisional)
    try:
        done = sidecar.run({2021})
    finally:
        sidecar.stop()
    assert done.error is None and done.outcome is not None
    assert [a[:2] for a in done.outcome.allocations] == [(2021, "standard")]
    with ledger.reader() as reader:
        latest = reader.results.latest(2021, "standard")
    assert latest is not None and latest.status == ResultStatus.PROVISIONAL


def test_a_refusal_in_the_child_is_set_aside_by_the_committer(
        ledger: Ledger, remote: RemoteHandler) -> None:
    refuse(ledger, "pipeline_communes", f"NEW.code = '{BAD}'")
    batch = [message("communes", n, commune(code)) for n, code in enumerate(["09.1", BAD, A])]
    with pytest.raises(RemoteFailure) as refused:
        remote.handle(batch)
    assert (refused.value.failure, refused.value.conflict, refused.value.line) == (
        Failure.REFUSED, False, "IntegrityError: refused by a test trigger")
    outcome = Committer(remote, first_delay=0.01).run(batch)
    assert outcome is not None and outcome.rejected == [
        (f"{PREFIX}communes.v1", "storage_rejected")]
    [letter] = ledger.dead_letters()
    assert (letter.offset, letter.message) == (1, "IntegrityError: refused by a test trigger")
    assert count(ledger, "SELECT count(*) FROM pipeline_communes") == 2
    allow(ledger)


def test_a_cycle_event_refused_in_the_child_is_held(ledger: Ledger,
                                                   remote: RemoteHandler) -> None:
    refuse(ledger, "pipeline_cycles")
    registry = CollectorRegistry()
    committer = Committer(remote, first_delay=0.01, max_delay=0.02,
                          observer=Observer(Metrics.create(registry)))
    result: list[object] = []
    running = threading.Thread(target=lambda: result.append(
        committer.run([message("cycles", 0, opened())])))
    running.start()
    topic = {"topic": f"{PREFIX}cycles.v1"}
    for _ in range(600):  # until it was refused and retried at least twice
        if (registry.get_sample_value("pac_batch_failures_total", topic) or 0) >= 2:
            break
        time.sleep(0.05)
    assert registry.get_sample_value("pac_batch_stuck", topic) == 1
    committer.stopping.set()
    running.join(30)
    assert result == [None]  # stopped while held: nothing committed, nothing set aside
    assert ledger.dead_letters() == []
    assert count(ledger, "SELECT count(*) FROM pipeline_offsets") == 0


def test_an_in_memory_ledger_stays_in_the_worker() -> None:
    memory = Ledger.from_url("sqlite://")
    assert not shareable(memory)
    memory.dispose()
