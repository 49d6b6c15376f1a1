"""The :class:`Ledger` facade: where a process gets its reader and its unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TextIO

from sqlalchemy import Engine

from models.codes import OrderStatus
from models.responses import (
    CommuneBalance,
    ComplaintRegister,
    CycleSummary,
    DeadLetter,
    Statement,
)
from models.treasury import PaymentOrders, SourcesUses
from pac_grants.ledger import database
from pac_grants.ledger.reader import Reader, read_only
from pac_grants.ledger.unit_of_work import BatchLocks, UnitOfWork
from pac_grants.ledger.verify import VerifyReport


class Ledger:
    """A ledger in the database at one URL (see the package docstring for the API)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._accounts: set[str] = set()  # committed accounts (never deleted): skip inserts
        self._schema_checked = False

    @classmethod
    def from_url(cls, url: str, *, must_exist: bool = False, read_only: bool = False) -> Ledger:
        """``must_exist``: refuse to create a missing SQLite file (read commands);
        ``read_only``: an engine that cannot write (the read API)."""
        return cls(database.make_engine(url, must_exist=must_exist, read_only=read_only))

    def upgrade(self) -> None:
        """Apply the migrations up to head (idempotent)."""
        database.upgrade(self._engine)
        self._schema_checked = True

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for tests that must reach under the ledger (tampering,
        counting rows). The calculator itself reads through :meth:`reader` and writes
        through :meth:`unit_of_work` only."""
        return self._engine

    def check_schema(self) -> None:
        """:class:`SchemaMissing` unless the database is at this version's schema (for a
        reader that must not migrate, such as the read API)."""
        database.require_head(self._engine)
        self._schema_checked = True

    def dispose(self) -> None:
        self._engine.dispose()

    def describe(self, exc: BaseException) -> str:
        """One line for a database error, the password hidden."""
        return database.describe_db_error(self._engine, exc)

    @property
    def url(self) -> str:
        """The database URL with the password hidden."""
        return database.safe_url(self._engine)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def shared_url(self) -> str | None:
        """The URL another process opens this same database with, password included
        (the worker's children, streams/remote.py); None for an in-memory SQLite
        database, which no other process can see."""
        url = self._engine.url
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            return None
        return url.render_as_string(hide_password=False)

    def unit_of_work(self, *, chain: bool = True, batch: BatchLocks | None = None
                     ) -> UnitOfWork:
        """The one way to write (``chain=False``: no ledger postings, no chain lock;
        ``batch``: a pipeline batch's locks, the chain lock at its first posting)."""
        return UnitOfWork(self._engine, self._accounts, chain=chain, batch=batch)

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """Read-only repositories on one snapshot; the schema is checked on first use."""
        with read_only(self._engine) as connection:
            if not self._schema_checked:
                database.require_schema(connection)
                self._schema_checked = True
            yield Reader(connection)

    # -- one-shot reads (each in its own reader) ---------------------------------------
    def balance(self, account: str, as_of: date | None = None) -> int:
        with self.reader() as r:
            return r.postings.balance(account, as_of)

    def allocated(self, cycle: int) -> dict[tuple[str | None, str], int]:
        with self.reader() as r:
            return r.postings.allocated(cycle)

    def outstanding(self, cycle: int, commune_code: str) -> int:
        return self.balance(f"payable:{cycle}:{commune_code}")

    def summary(self, cycle: int | None = None) -> list[CycleSummary]:
        with self.reader() as r:
            return r.postings.summary(cycle)

    def balances(self, cycle: int, as_of: date | None = None) -> list[CommuneBalance]:
        with self.reader() as r:
            return r.postings.balances(cycle, as_of)

    def cycles(self) -> list[int]:
        with self.reader() as r:
            return r.postings.cycles()

    def statement(self, code: str, cycle: int | None = None) -> Statement:
        with self.reader() as r:
            return r.postings.statement(code, cycle)

    def export(self, out: TextIO, fmt: str = "csv", cycle: int | None = None) -> int:
        with self.reader() as r:
            return r.postings.export(out, fmt, cycle)

    def complaints(self, cycle: int | None = None) -> ComplaintRegister:
        with self.reader() as r:
            return r.complaints.register(cycle)

    def orders(self, cycle: int | None = None, commune: str | None = None,
               status: OrderStatus | None = None, as_of: date | None = None) -> PaymentOrders:
        with self.reader() as r:
            return r.treasury.orders(cycle, commune, status, as_of)

    def sources_uses(self, cycle: int) -> SourcesUses:
        with self.reader() as r:
            return r.treasury.sources_uses(cycle)

    def dead_letters(self, limit: int = 100, code: str | None = None) -> list[DeadLetter]:
        with self.reader() as r:
            return r.dead_letters.recent(limit, code)

    def verify(self) -> VerifyReport:
        with self.reader() as r:
            return r.postings.verify()
