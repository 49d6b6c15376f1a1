"""Appending transactions to the chain, a batch at a time.

Called inside a :class:`~pac_grants.ledger.unit_of_work.UnitOfWork` (chain lock held).
A batch costs a fixed number of statements whatever its size: one select of the keys
already present, one of the chain head, then one multi-row insert per table (accounts,
transactions, postings), so 200 transactions are not 200 round trips.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
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


@dataclass
class WriteState:
    """What a locked transaction already knows, to skip statements on repeated posts."""

    known_accounts: AbstractSet[str]  # committed earlier: accounts are never deleted
    created_accounts: set[str] = field(default_factory=set)  # by this transaction
    head: Head | None = None  # the chain head, once read or written under the lock


def append(
    connection: Connection, specs: Sequence[TransactionSpec], state: WriteState
) -> list[PostResult]:
    """Write the specs whose key is new; the others (and repeats in the batch) are no-ops."""
    present = existing_keys(connection, [s.key for s in specs])
    results, fresh = [], []
    for spec in specs:
        duplicate = spec.key in present
        results.append(PostResult(spec.key, duplicate))
        if not duplicate:
            present.add(spec.key)
            fresh.append(spec)
    if fresh:
        _insert(connection, fresh, state)
    return results


def existing_keys(connection: Connection, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        where = TX.c.id == chunk[0] if len(chunk) == 1 else TX.c.id.in_(chunk)  # cached
        found.update(connection.scalars(select(TX.c.id).where(where)))
    return found


def chain_head(connection: Connection) -> Head:
    """(sequence, hash) of the last transaction, or (0, GENESIS) for an empty ledger."""
    row = connection.execute(
        select(TX.c.sequence, TX.c.hash).order_by(TX.c.sequence.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row.sequence), str(row.hash))


def _insert(connection: Connection, specs: Sequence[TransactionSpec], state: WriteState) -> None:
    sequence, prev_hash = state.head or chain_head(connection)
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
    _insert_accounts(connection, {p["account"] for p in posting_rows}, state)
    _insert_many(connection, insert(TX), tx_rows, TX.c.sequence)
    _insert_many(connection, insert(POSTINGS), posting_rows, POSTINGS.c.position)
    state.head = (sequence, prev_hash)


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


def _insert_accounts(connection: Connection, names: set[str], state: WriteState) -> None:
    """Create the accounts not seen before (append-only: never updated)."""
    new = sorted(names - state.created_accounts - state.known_accounts)
    if not new:
        return
    rows = [parse_account(name)._asdict() for name in new]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ACCOUNTS).on_conflict_do_nothing(index_elements=["name"])
    _insert_many(connection, statement, rows, ACCOUNTS.c.name)
    state.created_accounts.update(new)


def _insert_many(
    connection: Connection, statement: Any, rows: list[dict[str, Any]], key: Any
) -> None:
    """One row: a plain cached INSERT. Several on PostgreSQL: RETURNING makes SQLAlchemy
    send multi-row VALUES pages ("insertmanyvalues") instead of one statement per row
    with psycopg 3. Several on SQLite: the driver's executemany."""
    if len(rows) == 1:
        connection.execute(statement, rows[0])
    elif connection.dialect.name == "postgresql":
        connection.execute(statement.returning(key), rows).all()
    else:
        connection.execute(statement, rows)
