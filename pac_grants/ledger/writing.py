"""Appending transactions to the chain, a batch at a time.

Called inside a :class:`~pac_grants.ledger.unit_of_work.UnitOfWork` (chain lock held).
A batch costs a fixed number of statements whatever its size: one select of the keys
already present, one of the chain head, then one multi-row insert per table (accounts,
transactions, postings), so 200 transactions are not 200 round trips.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from models.ledger import ACCOUNTS, POSTINGS, TRANSACTIONS
from pac_grants.ledger.hashing import GENESIS, transaction_hash
from pac_grants.ledger.posting import PostResult, TransactionSpec, parse_account

TX = TRANSACTIONS
CHUNK = 500  # bound on IN (...) parameters (SQLite's limit is far above)


Head = tuple[int, str]  # (sequence, hash) of the last transaction of the chain


def append(
    connection: Connection, specs: Sequence[TransactionSpec], head: Head | None = None
) -> tuple[list[PostResult], Head | None]:
    """Write the specs whose key is new; the others (and repeats in the batch) are no-ops.

    ``head`` is the chain head if the caller already knows it (same locked transaction);
    returns the results and the new head (None if nothing was read nor written).
    """
    present = existing_keys(connection, [s.key for s in specs])
    results, fresh = [], []
    for spec in specs:
        duplicate = spec.key in present
        results.append(PostResult(spec.key, duplicate))
        if not duplicate:
            present.add(spec.key)
            fresh.append(spec)
    if fresh:
        head = _insert(connection, fresh, head or chain_head(connection))
    return results, head


def existing_keys(connection: Connection, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        found.update(connection.scalars(select(TX.c.id).where(TX.c.id.in_(chunk))))
    return found


def chain_head(connection: Connection) -> Head:
    """(sequence, hash) of the last transaction, or (0, GENESIS) for an empty ledger."""
    row = connection.execute(
        select(TX.c.sequence, TX.c.hash).order_by(TX.c.sequence.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row.sequence), str(row.hash))


def _insert(connection: Connection, specs: Sequence[TransactionSpec], head: Head) -> Head:
    sequence, prev_hash = head
    written_at = datetime.now(UTC)
    tx_rows: list[dict[str, Any]] = []
    posting_rows: list[dict[str, Any]] = []
    for spec in specs:
        sequence += 1
        row = _transaction_row(spec, sequence, written_at)
        pairs = [(p.account, p.amount) for p in spec.postings]
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = transaction_hash(row, pairs, prev_hash)
        tx_rows.append(row)
        posting_rows.extend(_posting_rows(spec))
    _insert_accounts(connection, {p["account"] for p in posting_rows})
    _insert_many(connection, insert(TX).returning(TX.c.sequence), tx_rows)
    _insert_many(connection, insert(POSTINGS).returning(POSTINGS.c.position), posting_rows)
    return sequence, prev_hash


def _transaction_row(spec: TransactionSpec, sequence: int, written_at: datetime) -> dict[str, Any]:
    return {
        "id": spec.key,
        "sequence": sequence,
        "kind": spec.kind,
        "cycle": spec.cycle,
        "window": spec.window,
        "cause_event_ids": list(spec.cause_event_ids),
        "ruleset_id": spec.ruleset_id,
        "ruleset_digest": spec.ruleset_digest,
        "inputs_digest": spec.inputs_digest,
        "effective_date": spec.effective_date,
        "reason": spec.reason,
        "details": dict(spec.details),
        "written_at": written_at,
    }


def _posting_rows(spec: TransactionSpec) -> Iterator[dict[str, Any]]:
    for position, posting in enumerate(spec.postings):
        yield {
            "transaction_id": spec.key,
            "position": position,
            "account": posting.account,
            "amount": posting.amount,
        }


def _insert_accounts(connection: Connection, names: set[str]) -> None:
    """Create the accounts not seen before (append-only: never updated)."""
    rows = [parse_account(name)._asdict() for name in sorted(names)]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ACCOUNTS).on_conflict_do_nothing(index_elements=["name"])
    _insert_many(connection, statement.returning(ACCOUNTS.c.name), rows)


def _insert_many(connection: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    """RETURNING lets SQLAlchemy send multi-row VALUES pages ("insertmanyvalues")
    instead of one statement per row on psycopg 3."""
    connection.execute(statement, rows).all()
