"""A ledger written by the previous release upgrades through the migrations and still
verifies (docs/ledger.md s8.1).

``tests/data/ledger-0.1.0.sqlite`` was written by release 0.1.0's own batch handler:
cycle 2021 opened, assessed, closed, adjusted after an appeal and partly paid; cycle 2022
opened and left open; one dead letter. On PostgreSQL the same rows are copied into a
fresh database migrated to 0.1.0's last revision, then upgraded. After the upgrade the
approved cycle keeps its amounts and holds, the open one goes on, and ``verify`` passes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from pac_grants.ledger import Ledger
from pac_grants.ledger.database import MIGRATIONS
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event

pytestmark = pytest.mark.integration

OLD = Path(__file__).resolve().parents[1] / "data" / "ledger-0.1.0.sqlite"
OLD_HEAD = "0002_pipeline_state"
A, B = "09.001.01.01", "09.001.01.02"
TABLES = ("ledger_accounts", "ledger_transactions", "ledger_postings", "communes",
          "dead_letters", "allocation_results", "pipeline_communes", "pipeline_cycles",
          "pipeline_assessments", "pipeline_disbursements", "pipeline_processed_events",
          "pipeline_offsets", "pipeline_outbox")


@pytest.fixture(params=["sqlite", "postgresql"])
def old_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    copy = tmp_path / "old.sqlite"
    shutil.copyfile(OLD, copy)
    if request.param == "sqlite":
        yield f"sqlite:///{copy}"
        return
    url = str(request.getfixturevalue("fresh_postgres_url"))
    _copy_at_old_revision(f"sqlite:///{copy}", url)
    yield url


def _copy_at_old_revision(source: str, target: str) -> None:
    """The old rows in a PostgreSQL database migrated to the old release's last revision."""
    engine = sa.create_engine(target)
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, OLD_HEAD)
    old = sa.create_engine(source)
    metadata = sa.MetaData()
    metadata.reflect(engine, only=TABLES)  # typed (JSON, timestamps) by PostgreSQL
    with old.connect() as reading, engine.begin() as writing:
        for name in TABLES:  # parents first: accounts and transactions before postings
            table = metadata.tables[name]
            rows = [_utc(dict(r._mapping)) for r in reading.execute(sa.select(table))]
            if rows:
                writing.execute(sa.insert(table), rows)
        for name in ("dead_letters", "allocation_results", "pipeline_outbox"):
            writing.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
    old.dispose()
    engine.dispose()


def _utc(row: dict[str, object]) -> dict[str, object]:
    """SQLite gives timestamps back without their zone; they were written in UTC."""
    return {k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
            for k, v in row.items()}


def test_an_old_ledger_upgrades_verifies_and_keeps_its_approved_cycle(old_ledger: str) -> None:
    ledger = Ledger.from_url(old_ledger)
    try:
        before = ledger.allocated(2021)
        ledger.upgrade()
        assert ledger.verify().line() == "ok: 5 transactions, chain intact"
        assert ledger.allocated(2021) == before
        summary = {s.cycle: s for s in ledger.summary()}
        assert (summary[2021].state, summary[2021].status) == ("approved", "closed")
        assert str(summary[2021].closed_on) == "2022-03-01"  # its allocation's effective date
        assert (summary[2022].state, summary[2022].status) == ("open", "open")
        with ledger.reader() as reader:
            cycle = reader.state.cycle(2021)
            assert cycle is not None and cycle.approvals == 1 and cycle.ruleset_document
            assert set(reader.state.frozen_communes(2021)) == {A, B, "09.001.01.03"}
    finally:
        ledger.dispose()


def test_the_upgraded_ledger_goes_on_under_the_new_rules(old_ledger: str) -> None:
    feed = Feed(old_ledger)
    with feed.ledger.reader() as reader:  # the broker's next offsets after the old run
        feed.offsets.update({key: offset + 1 for key, offset in reader.state.all_offsets().items()})
    feed.send("assessments", assessment(B, revision=3))  # after approval: refused
    feed.send("communes", commune(B, 900_000))  # changes no approved cycle
    feed.send("cycles", cycle_event("CycleReopened", cycle=2021, reopened_on="2022-09-01",
                                    decision_ref="D-1", reason="late appeal"))
    feed.send("assessments", assessment(B, revision=3))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-10-01"))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2022, closed_on="2023-06-30"))
    assert feed.rejected == ["cycle_closed"]
    assert sum(feed.allocated(2021).values()) == 10_000_000
    assert feed.ledger.verify().ok
    kinds = [(e.kind, str(e.effective_date)) for e in feed.ledger.statement(B, 2021).entries]
    assert kinds[-1] == ("adjustment", "2022-10-01")
