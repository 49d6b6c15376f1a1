"""The hand-written migration 0001_ledger matches the models, and runs both ways."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from models.ledger import LEDGER_TABLES, REFERENCE_TABLES, Base
from pac_grants.ledger import Ledger
from pac_grants.ledger.database import MIGRATIONS


def test_the_migration_creates_exactly_the_models(tmp_path: Path) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'l.db'}")
    ledger.upgrade()
    with ledger.engine.connect() as connection:
        opts = {"compare_type": True, "include_object": _ours}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, Base.metadata) == []
    ledger.dispose()


def _ours(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    """Only the tables of revision 0001_ledger (later revisions add their own)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in {*LEDGER_TABLES, *REFERENCE_TABLES}


def test_the_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'l.db'}")
    ledger.upgrade()
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with ledger.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")  # through any later revision, then 0001_ledger
    tables = set(inspect(ledger.engine).get_table_names())
    assert tables.isdisjoint({*LEDGER_TABLES, *REFERENCE_TABLES})
    ledger.upgrade()
    assert {*LEDGER_TABLES, *REFERENCE_TABLES} <= set(inspect(ledger.engine).get_table_names())
    ledger.dispose()


def test_building_a_ledger_opens_no_connection(tmp_path: Path) -> None:
    path = tmp_path / "never.db"
    Ledger.from_url(f"sqlite:///{path}").dispose()
    assert not path.exists()
