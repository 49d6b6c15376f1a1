"""The unit of work: the one way to write (cosmicpython's ``unit_of_work.py``).

Rollback by default, commit explicitly. Entering it opens one database transaction that
holds the chain lock (:func:`pac_grants.ledger.database.lock_chain`), so the idempotency
check, the chain head and the inserts of :meth:`Postings.post` all see one state and no
other writer can interleave (docs/ledger.md s5). It hands out
repositories, never its connection: ``postings`` (the ledger), ``state`` (the pipeline's
input state), ``communes`` (reference names), ``dead_letters``, ``results``,
``outbox`` and ``rulesets`` (variants stored for simulations); all write in the same
transaction, so a batch's state, postings, dead letters and outputs commit together. Its
repositories are also a reader's (they subclass the read-only ones), so the read side can
rebuild a cycle inside the batch.

``chain=False`` opens a write transaction without the chain lock, for writes that post
nothing (the outbox, provisional results); its ``postings`` refuse to post.

``batch=BatchLocks(...)``: a batch of the stream pipeline (docs/pipeline.md "State in
the database"). It locks the input partitions it covers (so a partition's messages are
handled by one transaction at a time, whichever worker took them), then the pipeline's
state, shared (an assessments batch: several run side by side) or alone (every other
topic); the chain lock only at its first posting, so that a batch that posts nothing
never waits for the chain. A shared batch never posts (:class:`ExclusiveNeeded`: run it
again alone). PostgreSQL advisory transaction locks; SQLite's one writer serialises
batches anyway.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, text

from pac_grants.ledger import writing
from pac_grants.ledger.database import WRITE, lock_chain
from pac_grants.ledger.errors import LedgerError
from pac_grants.ledger.postings import Postings
from pac_grants.ledger.reference import Communes, DeadLetters, Outbox, Results
from pac_grants.ledger.rulesets import Rulesets
from pac_grants.ledger.state import State

STATE_LOCK = 0x7061_6301  # the pipeline's input state: shared or exclusive
PARTITION_LOCKS = 0x7061_6400  # high half of each input partition's lock key


class ExclusiveNeeded(LedgerError):
    """A batch run beside others tried to post: it must run alone (the committer does)."""


@dataclass(frozen=True)
class BatchLocks:
    """What a pipeline batch locks: its input partitions, and the state shared or not."""

    partitions: tuple[tuple[str, int], ...]
    shared: bool = False


def lock_batch(connection: Connection, locks: BatchLocks) -> None:
    """Partitions in one order (no deadlock between workers), then the state."""
    if connection.dialect.name != "postgresql":
        return  # BEGIN IMMEDIATE: one writer at a time
    keys = sorted({(PARTITION_LOCKS << 32) | zlib.crc32(f"{topic}:{partition}".encode())
                   for topic, partition in locks.partitions})
    how = "pg_advisory_xact_lock_shared" if locks.shared else "pg_advisory_xact_lock"
    # One round trip; PostgreSQL evaluates a select list from left to right.
    calls = [f"pg_advisory_xact_lock(:p{n})" for n in range(len(keys))]
    connection.execute(text(f"SELECT {', '.join([*calls, f'{how}(:state)'])}"),
                       {f"p{n}": key for n, key in enumerate(keys)} | {"state": STATE_LOCK})


class UnitOfWork:
    """``with ledger.unit_of_work() as uow: uow.postings.post(specs); uow.commit()``."""

    def __init__(self, engine: Engine, known_accounts: set[str] | None = None,
                 chain: bool = True, batch: BatchLocks | None = None) -> None:
        self._engine = engine
        self._chain = chain
        self._batch = batch
        self._chain_held = False
        self._connection: Connection | None = None
        self._known = set() if known_accounts is None else known_accounts
        self._state = writing.WriteState(self._known)  # valid while the lock is held
        self._locked = False
        self.postings = Postings(self._locked_connection, self._write_state)
        self.state = State(self._locked_connection)
        self.communes = Communes(self._locked_connection)
        self.dead_letters = DeadLetters(self._locked_connection)
        self.results = Results(self._locked_connection)
        self.outbox = Outbox(self._locked_connection)
        self.rulesets = Rulesets(self._locked_connection)

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
        if self._batch is not None:
            lock_batch(connection, self._batch)  # the chain lock at the first posting
        elif self._chain:
            lock_chain(connection)
            self._chain_held = True
        self._locked = True

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        connection, self._connection = self._connection, None
        self._forget()
        if connection is not None:
            connection.rollback()  # a no-op after commit(): rollback is the default
            connection.close()

    def _locked_connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        if not self._locked:  # used again after commit(): a new locked transaction
            self._begin(self._connection)
        return self._connection

    def _write_state(self) -> writing.WriteState:
        if not self._chain:
            raise LedgerError("this unit of work does not hold the chain lock: it cannot post")
        if not self._chain_held:
            if self._batch is not None and self._batch.shared:
                raise ExclusiveNeeded("a batch run beside others cannot post")
            lock_chain(self._locked_connection())
            self._chain_held = True
        return self._state

    def commit(self) -> None:
        """Commit (and release the chain lock); the unit of work stays usable."""
        self._locked_connection().commit()
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
        self._chain_held = False
        self._state = writing.WriteState(self._known)
