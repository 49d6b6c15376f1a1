"""The :class:`Ledger` facade: the narrow interface between the pipeline and the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy import Connection, Engine

from pac_grants.ledger import database, reading, reference, views
from pac_grants.ledger import export as exporting
from pac_grants.ledger import statement as statements
from pac_grants.ledger import verify as verifying
from pac_grants.ledger.posting import PostResult, TransactionSpec
from pac_grants.ledger.unit_of_work import UnitOfWork


class Ledger:
    """A ledger in the database at one URL (see the package docstring for the API)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._accounts: set[str] = set()  # committed accounts (never deleted): skip inserts

    @classmethod
    def from_url(cls, url: str, *, must_exist: bool = False, read_only: bool = False) -> Ledger:
        """``must_exist``: refuse to create a missing SQLite file (read commands);
        ``read_only``: an engine that cannot write (the read API)."""
        return cls(database.make_engine(url, must_exist=must_exist, read_only=read_only))

    @property
    def engine(self) -> Engine:
        return self._engine

    def upgrade(self) -> None:
        database.upgrade(self._engine)

    def dispose(self) -> None:
        self._engine.dispose()

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._engine, self._accounts)

    # -- writing ------------------------------------------------------------------
    def post(self, spec: TransactionSpec) -> PostResult:
        return self.post_many([spec])[0]

    def post_many(self, specs: Sequence[TransactionSpec]) -> list[PostResult]:
        with self.unit_of_work() as uow:
            results = uow.post(specs)
            uow.commit()
        return results

    # -- reading ------------------------------------------------------------------
    @contextmanager
    def reader(self) -> Iterator[Connection]:
        """A read-only transaction with one consistent snapshot, schema checked."""
        with self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                database.require_schema(connection)
                yield connection

    def balance(self, account: str, as_of: date | None = None) -> int:
        with self.reader() as c:
            return reading.balance(c, account, as_of)

    def allocated(self, cycle: int) -> dict[tuple[str | None, str], int]:
        with self.reader() as c:
            return reading.allocated(c, cycle)

    def outstanding(self, cycle: int, commune_code: str) -> int:
        return self.balance(f"payable:{cycle}:{commune_code}")

    def funded(self, cycle: int, window: str) -> int:
        return -self.balance(f"funding:{cycle}:{window}")

    def cycles(self) -> list[int]:
        with self.reader() as c:
            return reading.cycles(c)

    def summary(self, cycle: int | None = None) -> list[views.CycleSummary]:
        with self.reader() as c:
            return views.summary(c, cycle)

    def balances(self, cycle: int, as_of: date | None = None) -> list[views.CommuneBalance]:
        with self.reader() as c:
            return views.balances(c, cycle, as_of)

    def statement(self, commune_code: str, cycle: int | None = None) -> statements.Statement:
        with self.reader() as c:
            return statements.statement(c, commune_code, cycle)

    def export(self, out: TextIO, fmt: str = "csv", cycle: int | None = None) -> int:
        """Write the export; returns the number of rows (CSV) or transactions (JSON)."""
        with self.reader() as c:
            writer = exporting.write_json if fmt == "json" else exporting.write_csv
            return writer(c, out, cycle)

    def verify(self) -> verifying.VerifyReport:
        with self.reader() as c:
            return verifying.verify(c)

    # -- reference tables ---------------------------------------------------------
    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """A write transaction outside the chain (SQLite: ``BEGIN IMMEDIATE``, so it waits
        for the file's write lock instead of failing when a read turns into a write)."""
        with self._engine.connect() as connection:
            connection.execution_options(**{database.WRITE: True})
            with connection.begin():
                yield connection

    def upsert_communes(self, rows: Iterable[Mapping[str, Any]]) -> int:
        with self.writer() as c:
            return reference.upsert_communes(c, rows)

    def record_dead_letter(
        self, *, received_at: datetime, source_topic: str, partition: int, offset: int,
        key: str | None, raw_value: str, encoding: str, code: str, message: str,
        details: Any,
    ) -> bool:
        with self.writer() as c:
            return reference.record_dead_letter(
                c, received_at=received_at, source_topic=source_topic, partition=partition,
                offset=offset, key=key, raw_value=raw_value, encoding=encoding, code=code,
                message=message, details=details,
            )

    def dead_letters(self, limit: int = 100, code: str | None = None) -> list[reference.DeadLetter]:
        with self.reader() as c:
            return reference.dead_letters(c, limit, code)

    def record_allocation_result(
        self, *, cycle: int, window: str, status: str, ruleset_id: str | None,
        ruleset_digest: str | None, inputs_digest: str | None, result: Mapping[str, Any],
    ) -> None:
        with self.writer() as c:
            reference.record_allocation_result(
                c, cycle=cycle, window=window, status=status, ruleset_id=ruleset_id,
                ruleset_digest=ruleset_digest, inputs_digest=inputs_digest, result=dict(result),
            )

    def latest_allocation_result(
        self, cycle: int, window: str
    ) -> reference.AllocationResult | None:
        with self.reader() as c:
            return reference.latest_allocation_result(c, cycle, window)
