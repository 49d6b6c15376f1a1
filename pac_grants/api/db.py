"""Read-only database access for the API (issue 7: "the DB session is read-only").

The engine itself cannot write (``Ledger.from_url(url, read_only=True)``: SQLite opened
with ``mode=ro``, PostgreSQL sessions ``default_transaction_read_only``), and every
request reads inside one transaction that the database keeps read-only: ``SET
TRANSACTION READ ONLY`` with ``REPEATABLE READ`` on PostgreSQL (one consistent snapshot
per request, as ``Ledger.reader``), ``PRAGMA query_only`` on SQLite (reset before the
connection returns to the pool, since SQLite sets it per connection). So a bug in a
route can never write to the ledger (ledger.md "Append-only").

The schema is checked once, when the app is built (:func:`check_schema`), not on every
request (issue 12: each check logged two alembic lines).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from pac_grants.ledger.database import MIGRATIONS, safe_url
from pac_grants.ledger.errors import SchemaMissing


def check_schema(engine: Engine) -> None:
    """Raise :class:`SchemaMissing` unless the database is at this version's schema."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        current = _revision(connection)
    if current != head:
        found = "missing" if current is None else f"at revision {current}, not {head}"
        raise SchemaMissing(
            f"the ledger schema is {found} in {safe_url(engine)} (run `pac-grants db "
            "upgrade`, or start with `pac-grants api --upgrade`)"
        )


def _revision(connection: Connection) -> str | None:
    """The database's alembic revision, read without alembic (which logs two INFO lines
    per look)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction on ``engine``."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA query_only = 1")
            connection.commit()
        else:
            connection.execution_options(isolation_level="REPEATABLE READ")
        try:
            with connection.begin():
                if not sqlite:
                    connection.execute(text("SET TRANSACTION READ ONLY"))
                yield connection
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA query_only = 0")
                connection.commit()
