"""Workers side by side on PostgreSQL (docs/pipeline.md "State in the database"), with real locks.

Batches of assessments hold the pipeline's state shared: two run at the same time; a
batch of any other topic waits for them and holds the state alone; two batches of one
input partition never overlap, whichever worker took them; a batch takes the ledger's
chain lock only when it posts. When two workers handle the same revision at once (a
message sent again on another partition), the second meets the first's uncommitted row,
and is run again alone: it then finds a duplicate, never a ``storage_rejected``. And
migration 0006 on PostgreSQL (tests/unit/test_registry.py on SQLite).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from models.codes import TransactionKind
from pac_grants.ledger import BatchLocks, ExclusiveNeeded, Ledger, Posting, TransactionSpec
from streams.commit import Committer
from streams.context import BatchContext
from streams.handlers import BatchHandler
from streams.messages import BatchOutcome, Message
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import PREFIX, assessment, commune, opened
from tests.unit.test_registry import check_migration

pytestmark = pytest.mark.integration

ASSESSMENTS, CYCLES = f"{PREFIX}assessments.v1", f"{PREFIX}cycles.v1"
A = "01.001.01.01"


@pytest.fixture
def ledger(fresh_postgres_url: str) -> Iterator[Ledger]:
    opened_ledger = Ledger.from_url(fresh_postgres_url)
    opened_ledger.upgrade()
    yield opened_ledger
    opened_ledger.dispose()


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    done: list[object] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    return thread, done


def enter_and_commit(ledger: Ledger, locks: BatchLocks) -> str:
    with ledger.unit_of_work(batch=locks) as uow:
        uow.commit()
    return "committed"


def blocked(thread: threading.Thread, seconds: float = 0.8) -> bool:
    thread.join(seconds)
    return thread.is_alive()


def test_shared_batches_overlap_and_the_others_wait(ledger: Ledger) -> None:
    with ledger.unit_of_work(batch=BatchLocks(((ASSESSMENTS, 0),), shared=True)) as first:
        side, _ = in_thread(lambda: enter_and_commit(
            ledger, BatchLocks(((ASSESSMENTS, 1),), shared=True)))
        assert not blocked(side, 10)  # another partition, shared: at once
        same, _ = in_thread(lambda: enter_and_commit(
            ledger, BatchLocks(((ASSESSMENTS, 0),), shared=True)))
        alone, _ = in_thread(lambda: enter_and_commit(ledger, BatchLocks(((CYCLES, 0),))))
        assert blocked(same) and blocked(alone)
        plain, _ = in_thread(lambda: enter_and_commit(ledger, BatchLocks(())))
        first.commit()
    for thread in (same, alone, plain):
        assert not blocked(thread, 10)


def test_the_chain_lock_is_taken_at_the_first_posting(ledger: Ledger) -> None:
    spec = TransactionSpec("envelope:2021:standard:e1", TransactionKind.ENVELOPE, 2021, "standard",
                           (Posting("funding:2021:standard", -100),
                            Posting("pool:2021:standard", 100)), ("e1",), None, None, None,
                           date(2021, 1, 1), "test")
    with ledger.unit_of_work(batch=BatchLocks(((CYCLES, 0),))) as batch:
        writer, _ = in_thread(lambda: _post(ledger, spec))  # a plain unit of work
        assert not blocked(writer, 10)  # the batch holds no chain lock yet
        batch.postings.post([spec])  # a duplicate now: but the lock is taken first
        batch.commit()
    with ledger.unit_of_work(batch=BatchLocks(((ASSESSMENTS, 0),), shared=True)) as shared, \
            pytest.raises(ExclusiveNeeded):
        shared.postings.post([spec])


def _post(ledger: Ledger, spec: TransactionSpec) -> None:
    with ledger.unit_of_work() as uow:
        uow.postings.post([spec])
        uow.commit()


class Pausing(BatchHandler):
    """Stops before its commit until told to go on (its rows written, not committed)."""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__(ledger, PREFIX)
        self.paused, self.go_on = threading.Event(), threading.Event()

    def _track(self, ctx: BatchContext, fresh: list[Message],
               tracked: dict[str, dict[int, int]]) -> None:
        self.paused.set()
        assert self.go_on.wait(30)
        super()._track(ctx, fresh, tracked)


def test_one_revision_on_two_workers_at_once_counts_once(ledger: Ledger) -> None:
    setup = BatchHandler(ledger, PREFIX)
    setup.handle([Message(f"{PREFIX}communes.v1", 0, 0, None, ev.raw(commune(A)))])
    setup.handle([Message(CYCLES, 0, 0, None, ev.raw(opened()))])
    value = ev.raw(assessment(A))
    first = Pausing(ledger)
    one, first_done = in_thread(lambda: first.handle([Message(ASSESSMENTS, 0, 0, None, value)]))
    assert first.paused.wait(30)
    second = Committer(BatchHandler(ledger, PREFIX), first_delay=0.05)
    two, second_done = in_thread(lambda: second.run([Message(ASSESSMENTS, 1, 0, None, value)]))
    time.sleep(1.0)  # the second batch waits on the first's uncommitted rows
    first.go_on.set()
    for thread in (one, two):
        assert not blocked(thread, 30)
    [outcome] = second_done
    assert isinstance(outcome, BatchOutcome) and isinstance(first_done[0], BatchOutcome)
    assert (outcome.duplicates, outcome.rejected, first_done[0].rejected) == (1, [], [])
    with ledger.reader() as reader:
        assert [r.revision for r in reader.state.revisions([(2021, A)])] == [1]
        assert reader.state.all_offsets() == {
            (f"{PREFIX}communes.v1", 0): 0, (CYCLES, 0): 0, (ASSESSMENTS, 0): 0,
            (ASSESSMENTS, 1): 0}
    assert ledger.dead_letters() == []


def test_migration_0006_on_postgresql(fresh_postgres_url: str) -> None:
    check_migration(fresh_postgres_url)
