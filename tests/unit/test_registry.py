"""Communes kept across batches (streams/registry.py) and migration 0006.

A worker reads the communes once, then at each batch only ``max(version)`` and the rows
above the version it holds: what another worker wrote meanwhile is seen at its next
batch, without reading the others again; a batch that rolls back leaves nothing in it.
The migration's columns and indexes are the models' (SQLite here; PostgreSQL in
tests/integration/test_scale_out.py), and it goes down and up again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from models.state import metadata
from pac_grants.ledger import Ledger
from pac_grants.ledger.database import MIGRATIONS
from streams.context import BatchContext
from streams.handlers import BatchHandler
from streams.messages import Message
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import PREFIX, Feed, assessment, commune, opened

A, B, C = "01.001.01.01", "01.001.01.02", "01.001.01.03"


def test_a_worker_sees_the_communes_another_wrote_reading_only_those() -> None:
    feed = Feed()
    other = BatchHandler(feed.ledger, PREFIX)
    feed.send("communes", commune(A), commune(B))
    feed.send("cycles", opened())
    other.handle([feed.message("assessments", ev.raw(assessment(A)))])
    assert other.registry.reads == 2  # both communes, once
    feed.send("communes", commune(C), commune(A, population=1000))
    outcome = other.handle([feed.message("assessments", ev.raw(assessment(C)))])
    assert outcome.rejected == [] and other.registry.reads == 4  # C and A's new row only
    with feed.ledger.reader() as reader:
        snapshot = other.registry.current(reader.state)
    assert snapshot.parsed[A].population[2014] == 1000 and set(snapshot.parsed) == {A, B, C}
    with feed.ledger.reader() as reader:
        assert set(reader.state.counted(2021)) == {A, C}  # C's commune known: counted


class FailsBeforeCommit(BatchHandler):
    def _track(self, ctx: BatchContext, fresh: list[Message],
               tracked: dict[str, dict[int, int]]) -> None:
        raise RuntimeError("the database refused the commit")


def test_a_batch_that_rolls_back_leaves_nothing_in_the_registry() -> None:
    feed = Feed()
    feed.send("communes", commune(A))
    failing = FailsBeforeCommit(feed.ledger, PREFIX)
    failing.registry = feed.handler.registry  # one worker: the same registry
    with pytest.raises(RuntimeError):
        failing.handle([feed.message("communes", ev.raw(commune(B)))])
    outcome = feed.send("assessments", assessment(B))
    assert outcome.rejected == []
    with feed.ledger.reader() as reader:
        assert [row.status for row in reader.state.held()] == ["held"]  # B is unknown
        assert set(feed.handler.registry.current(reader.state).digests) == {A}


def test_versions_grow_with_each_write_and_old_rows_load(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    feed = Feed(url)
    feed.send("communes", commune(A), commune(B), commune(A, population=5))
    with feed.ledger.engine.connect() as connection:
        versions = {code: version for code, version in connection.execute(
            text("SELECT code, version FROM pipeline_communes"))}
    assert versions == {A: 3, B: 2}
    check_migration(url)
    fresh = BatchHandler(feed.ledger, PREFIX)
    with feed.ledger.reader() as reader:  # after 0006 down and up, every row is version 0
        assert fresh.registry.current(reader.state).parsed[A].population[2014] == 5


def check_migration(url: str) -> None:
    """The pipeline tables that 0006 changes are the models'; 0006 goes down and up."""
    ledger = Ledger.from_url(url)
    ledger.upgrade()
    _matches_models(ledger)
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with ledger.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005_treasury")
    columns = {c["name"] for c in inspect(ledger.engine).get_columns("pipeline_communes")}
    assert "version" not in columns
    ledger.upgrade()
    _matches_models(ledger)
    ledger.dispose()


def _matches_models(ledger: Ledger) -> None:
    with ledger.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": _changed_by_0006})
        assert compare_metadata(context, metadata) == []


def _changed_by_0006(obj: object, name: str | None, type_: str, reflected: bool,
                     other: object) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in {"pipeline_communes", "pipeline_assessments"}
