"""A unit of work around ledger writes (cosmicpython's ``unit_of_work.py``).

Rollback by default, commit explicitly. Entering it opens one database transaction that
holds the chain lock (:func:`pac_grants.ledger.database.lock_chain`), so the idempotency
check, the chain head and the inserts of :meth:`UnitOfWork.post` all see one state and no
other writer can interleave (ledger.md "Exactly one effect per cause").
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from pac_grants.ledger import writing
from pac_grants.ledger.database import WRITE, lock_chain
from pac_grants.ledger.posting import PostResult, TransactionSpec, validate


class UnitOfWork:
    """``with UnitOfWork(engine) as uow: uow.post(specs); uow.commit()``."""

    def __init__(self, engine: Engine, known_accounts: set[str] | None = None) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._known = set() if known_accounts is None else known_accounts
        self._state = writing.WriteState(self._known)  # valid while the lock is held
        self._locked = False

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        connection.execution_options(**{WRITE: True})
        try:
            self._begin(connection)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return self

    def _begin(self, connection: Connection) -> None:
        connection.begin()
        lock_chain(connection)
        self._locked = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._forget()
        if connection is not None:
            connection.rollback()  # a no-op after commit(): rollback is the default
            connection.close()

    @property
    def connection(self) -> Connection:
        """The open connection (for a caller that writes its own rows in the same commit)."""
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        if not self._locked:  # used again after commit(): a new locked transaction
            self._begin(self._connection)
        return self._connection

    def post(self, specs: Sequence[TransactionSpec]) -> list[PostResult]:
        """Validate every spec first (nothing written if one is invalid), then append."""
        for spec in specs:
            validate(spec)
        return writing.append(self.connection, specs, self._state)

    def commit(self) -> None:
        """Commit (and release the chain lock); the unit of work stays usable."""
        self.connection.commit()
        self._known.update(self._state.created_accounts)
        self._forget()

    def rollback(self) -> None:
        """Forget everything since the last commit (and release the chain lock)."""
        if self._connection is not None:
            self._connection.rollback()
        self._forget()

    def _forget(self) -> None:
        """Drop what only held under the lock (head, accounts created but not committed)."""
        self._locked = False
        self._state = writing.WriteState(self._known)
