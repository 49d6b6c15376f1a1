"""One read path for everybody: :class:`Reader`, read-only repositories on one snapshot.

The API, the CLI's read commands, ``explain`` and the demo read through
:meth:`pac_grants.ledger.Ledger.reader`; the worker reads through its unit of work,
whose repositories are the writing subclasses of these. A reader's transaction is
read-only in the database itself (``SET TRANSACTION READ ONLY`` and ``REPEATABLE READ``
on PostgreSQL: one consistent snapshot; ``PRAGMA query_only`` on SQLite), so no write
path is reachable from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from pac_grants.ledger.complaints import ComplaintsView
from pac_grants.ledger.postings import PostingsView
from pac_grants.ledger.reference import CommunesView, DeadLettersView, ResultsView
from pac_grants.ledger.rulesets import RulesetsView
from pac_grants.ledger.state import StateView
from pac_grants.ledger.treasury import TreasuryView


class Reader:
    """Read-only repositories over one connection."""

    def __init__(self, connection: Connection) -> None:
        def connect() -> Connection:
            return connection

        self.postings = PostingsView(connect)
        self.state = StateView(connect)
        self.communes = CommunesView(connect)
        self.dead_letters = DeadLettersView(connect)
        self.results = ResultsView(connect)
        self.rulesets = RulesetsView(connect)
        self.complaints = ComplaintsView(connect)
        self.treasury = TreasuryView(connect)


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction on ``engine`` (one snapshot on PostgreSQL)."""
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
            if sqlite:  # per connection in SQLite: reset before it returns to the pool
                connection.exec_driver_sql("PRAGMA query_only = 0")
                connection.commit()
