"""What a hostile database owner can do to a ledger, and checkpoints to catch it.

An owner (PostgreSQL: the role that owns the tables, which may disable the append-only
triggers; SQLite: whoever can write the file) changes an amount and then recomputes
every hash with the ledger's own :func:`~pac_grants.ledger.hashing.transaction_hash`,
so that ``verify`` passes; or deletes the last transactions, which ``verify`` cannot
see either. Only checkpoints kept outside the database show it (docs/ledger.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select, text, update

from models.ledger import POSTINGS, TRANSACTIONS
from pac_grants.ledger import Checkpoint, Ledger
from pac_grants.ledger.hashing import GENESIS, transaction_hash

LEDGER_TABLES = ("ledger_postings", "ledger_transactions")


@contextmanager
def as_owner(ledger: Ledger) -> Iterator[Connection]:
    """One transaction with the append-only triggers off (PostgreSQL), on again after."""
    postgres = ledger.dialect == "postgresql"
    with ledger.engine.begin() as connection:
        if postgres:
            for table in LEDGER_TABLES:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield connection
        if postgres:
            for table in LEDGER_TABLES:
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def move_and_rehash(ledger: Ledger, transaction_id: str, centimes: int) -> int:
    """Move ``centimes`` from the transaction's first credit to its second (the sums
    stay zero), then rewrite every hash of the chain consistently. Returns how many
    transactions got a new hash."""
    with as_owner(ledger) as connection:
        lines = connection.execute(select(POSTINGS.c.position, POSTINGS.c.amount)
                                   .where(POSTINGS.c.transaction_id == transaction_id)
                                   .order_by(POSTINGS.c.position)).all()
        credits = [position for position, amount in lines if amount > 0][:2]
        assert len(credits) == 2, f"{transaction_id} needs two credits to move money"
        for position, delta in zip(credits, (-centimes, centimes), strict=True):
            connection.execute(update(POSTINGS).values(amount=POSTINGS.c.amount + delta)
                               .where(POSTINGS.c.transaction_id == transaction_id,
                                      POSTINGS.c.position == position))
        return rehash(connection)


def rehash(connection: Connection) -> int:
    """Recompute ``prev_hash`` and ``hash`` of every transaction in sequence order."""
    changed, prev_hash = 0, GENESIS
    rows = connection.execute(select(TRANSACTIONS).order_by(TRANSACTIONS.c.sequence))
    for row in [dict(r) for r in rows.mappings()]:
        postings = connection.execute(select(POSTINGS.c.account, POSTINGS.c.amount)
                                      .where(POSTINGS.c.transaction_id == row["id"])
                                      .order_by(POSTINGS.c.position)).all()
        digest = transaction_hash(row, [(a, int(v)) for a, v in postings], prev_hash)
        if (row["prev_hash"], row["hash"]) != (prev_hash, digest):
            connection.execute(update(TRANSACTIONS).values(prev_hash=prev_hash, hash=digest)
                               .where(TRANSACTIONS.c.id == row["id"]))
            changed += 1
        prev_hash = digest
    return changed


def truncate(ledger: Ledger, keep: int) -> int:
    """Delete every transaction after sequence ``keep``; returns how many went."""
    with as_owner(ledger) as connection:
        ids = list(connection.scalars(select(TRANSACTIONS.c.id)
                                      .where(TRANSACTIONS.c.sequence > keep)))
        connection.execute(delete(POSTINGS).where(POSTINGS.c.transaction_id.in_(ids)))
        connection.execute(delete(TRANSACTIONS).where(TRANSACTIONS.c.id.in_(ids)))
        return len(ids)


def head_checkpoint(ledger: Ledger, at: datetime | None = None) -> Checkpoint:
    """A checkpoint of the ledger's head now, as the worker takes one."""
    with ledger.reader() as reader:
        seq, digest = reader.postings.head()
        count = reader.postings.count()
    return Checkpoint.taken(seq, digest, at or datetime.now(UTC), count)
