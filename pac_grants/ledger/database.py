"""Engines and migrations: SQLite by default, PostgreSQL in production (docs/ledger.md s8.1).

Writers serialise on the chain head (the hash chain of docs/ledger.md s8.3 needs one total order):
a connection opened with :data:`WRITE` starts ``BEGIN IMMEDIATE`` on SQLite (the file's
write lock, taken before the head is read) and takes a transaction-scoped advisory lock
on PostgreSQL (:func:`lock_chain`). Nothing here runs at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from pac_grants.errors import first_line
from pac_grants.ledger.errors import DatabaseUnavailable, SchemaMissing

WRITE = "pac_write"  # execution option: this connection will append to the chain
CHAIN_LOCK = 0x7061_6300  # pg_advisory_xact_lock key of the chain head ("pac" + 0)
MIGRATIONS = "pac_grants:migrations"


BACKENDS = ("sqlite", "postgresql")


def make_engine(url: str, *, must_exist: bool = False, read_only: bool = False) -> Engine:
    """An engine for ``url``; ``must_exist`` refuses to create a missing SQLite file.

    ``read_only`` (the read API) opens SQLite with ``mode=ro`` (a missing file is refused,
    never created) and makes every PostgreSQL transaction read-only, so that nothing
    going through this engine can write, whatever the code above it does.
    """
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend not in BACKENDS:
            raise DatabaseUnavailable(
                f"invalid database URL: {backend!r} is not supported, pac-grants keeps its "
                "ledger in SQLite or PostgreSQL (sqlite:///FILE, postgresql+psycopg://...)"
            )
        if backend == "sqlite":
            return _sqlite_engine(url, parsed.database, must_exist or read_only, read_only)
        options = {"options": "-c default_transaction_read_only=on"} if read_only else {}
        return create_engine(url, pool_pre_ping=True, connect_args=options)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseUnavailable(f"invalid database URL: {first_line(exc)}") from None


def _sqlite_engine(url: str, database: str | None, must_exist: bool,
                   read_only: bool = False) -> Engine:
    memory = database in (None, "", ":memory:")
    if must_exist and not memory and not Path(str(database)).is_file():
        raise DatabaseUnavailable(
            f"database file {database} does not exist (run `pac-grants db upgrade` "
            "or set PAC_DATABASE_URL)"
        )
    extra: dict[str, Any] = {"poolclass": StaticPool} if memory else {}
    if read_only and not memory:
        url = f"sqlite:///file:{quote(str(Path(str(database)).resolve()))}?mode=ro&uri=true"
    engine = create_engine(url, connect_args={"timeout": 60}, **extra)
    event.listen(engine, "connect", _sqlite_on_connect(memory or read_only))
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(keep_journal: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (_sqlite_on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not keep_journal:  # memory, or read-only: the writer has set WAL
            cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        cursor.close()

    return on_connect


def _sqlite_on_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def lock_chain(connection: Connection) -> None:
    """Serialise writers on PostgreSQL (SQLite already holds its write lock)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})


def upgrade(engine: Engine) -> None:
    """Apply the migrations up to head; idempotent and safe with concurrent callers.

    SQLite changes a table's constraints by rebuilding it, which its foreign keys would
    refuse midway: they are off during the migration (a pragma that only works outside a
    transaction) and checked whole before the commit.
    """
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_pragma(connection, "PRAGMA foreign_keys = OFF")
        connection.execution_options(**{WRITE: True})
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                _migrate(config, engine)
                if sqlite:
                    _foreign_keys_hold(connection)
        finally:
            if sqlite:
                _sqlite_pragma(connection, "PRAGMA foreign_keys = ON")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    """A pragma outside any transaction (SQLAlchemy would begin one first)."""
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    dbapi.execute(pragma)


def _migrate(config: Config, engine: Engine) -> None:
    try:
        command.upgrade(config, "head")
    except CommandError as exc:  # e.g. a database migrated by a newer pac-grants
        raise SchemaMissing(f"cannot migrate {safe_url(engine)}: {first_line(exc)}") from None


def _foreign_keys_hold(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise SchemaMissing(f"the migration left {len(broken)} rows without their "
                            f"parent (first: {tuple(broken[0])}); nothing was changed")


def require_schema(connection: Connection) -> None:
    """Raise :class:`SchemaMissing` if the ledger's migrations were never applied."""
    if revision_of(connection) is None:
        raise SchemaMissing(
            f"the ledger schema is missing in {safe_url(connection.engine)} "
            "(run `pac-grants db upgrade`)"
        )


def require_head(engine: Engine) -> None:
    """Raise :class:`SchemaMissing` unless the database is at this version's schema (a
    reader that must not migrate: the API starts only on an up-to-date database)."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        current = revision_of(connection)
    if current != head:
        found = "missing" if current is None else f"at revision {current}, not {head}"
        raise SchemaMissing(f"the ledger schema is {found} in {safe_url(engine)} (run "
                            "`pac-grants db upgrade`, or start with `pac-grants api --upgrade`)")


def revision_of(connection: Connection) -> str | None:
    """The database's migration revision, read directly (alembic's own look logs two INFO
    lines each time)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if found is None else str(found)


def safe_url(engine: Engine) -> str:
    """The engine's URL with the password hidden, for messages (a read-only SQLite
    engine's ``file:...?mode=ro`` URI shown as the ``sqlite:///`` path it opened)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.query.get("mode") == "ro":
        return f"sqlite:///{unquote(str(url.database).removeprefix('file:'))}"
    return url.render_as_string(hide_password=True)


def describe_db_error(engine: Engine, exc: BaseException) -> str:
    """One line for a driver error (connection refused, bad password, ...)."""
    original = getattr(exc, "orig", None) or exc
    return f"database {safe_url(engine)}: {first_line(original)}"
