"""Read-only database access for the API (issue 7: "the DB session is read-only").

Every request reads inside one transaction that the database itself keeps read-only:
``SET TRANSACTION READ ONLY`` with ``REPEATABLE READ`` on PostgreSQL (one consistent
snapshot per request, as ``Ledger.reader``), ``PRAGMA query_only`` on SQLite (reset
before the connection returns to the pool, since SQLite sets it per connection). So a
bug in a route can never write to the ledger (ledger.md "Append-only").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from pac_grants.ledger.database import require_schema


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction on ``engine``, the ledger schema checked."""
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
                require_schema(connection)
                yield connection
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA query_only = 0")
                connection.commit()
