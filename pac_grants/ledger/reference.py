"""The reference tables beside the ledger: communes, dead letters, allocation results.

These are mutable and neither chained nor append-only: commune names are looked up by
the exports, dead letters (events.md "Outputs") are listed and replayed by ``dlq``, and
the latest allocation result of a window explains an amount (rules.md s7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from models.ledger import ALLOCATION_RESULTS, COMMUNES, DEAD_LETTERS

RESULTS = ALLOCATION_RESULTS
COMMUNE_FIELDS = (
    "code", "name_fr", "name_ar", "region", "province", "population_2014",
    "population_2024", "participating",
)


@dataclass(frozen=True)
class DeadLetter:
    id: int
    received_at: datetime
    source_topic: str
    partition: int
    offset: int
    key: str | None
    raw_value: str
    encoding: str  # "utf-8" or "base64" (events.md)
    code: str
    message: str
    details: Any


@dataclass(frozen=True)
class AllocationResult:
    id: int
    cycle: int
    window: str
    status: str
    ruleset_id: str | None
    ruleset_digest: str | None
    inputs_digest: str | None
    result: dict[str, Any]
    written_at: datetime


def _dialect_insert(connection: Connection, table: Any) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def upsert_communes(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update communes by code; returns how many rows were given."""
    now = datetime.now(UTC)
    values = [{**{f: row.get(f) for f in COMMUNE_FIELDS}, "updated_at": now} for row in rows]
    for value in values:
        value["participating"] = True if value["participating"] is None else value["participating"]
    if not values:
        return 0
    statement = _dialect_insert(connection, COMMUNES)
    updated = {f: statement.excluded[f] for f in (*COMMUNE_FIELDS[1:], "updated_at")}
    upsert = statement.on_conflict_do_update(index_elements=["code"], set_=updated)
    connection.execute(upsert, values)
    return len(values)


def record_dead_letter(connection: Connection, **fields: Any) -> bool:
    """Store one dead letter; False if (topic, partition, offset) was already stored."""
    statement = (
        _dialect_insert(connection, DEAD_LETTERS)
        .on_conflict_do_nothing(index_elements=["source_topic", "partition", "offset"])
        .returning(DEAD_LETTERS.c.id)
    )
    return connection.execute(statement, fields).first() is not None


def dead_letters(connection: Connection, limit: int, code: str | None = None) -> list[DeadLetter]:
    """The most recent dead letters first, optionally of one error code."""
    query = select(DEAD_LETTERS).order_by(DEAD_LETTERS.c.id.desc()).limit(limit)
    if code is not None:
        query = query.where(DEAD_LETTERS.c.code == code)
    return [DeadLetter(**row) for row in connection.execute(query).mappings()]


def record_allocation_result(connection: Connection, **fields: Any) -> None:
    connection.execute(RESULTS.insert(), [{**fields, "written_at": datetime.now(UTC)}])


def latest_allocation_result(
    connection: Connection, cycle: int, window: str
) -> AllocationResult | None:
    query = (
        select(RESULTS)
        .where(RESULTS.c.cycle == cycle, RESULTS.c.window == window)
        .order_by(RESULTS.c.id.desc())
        .limit(1)
    )
    row = connection.execute(query).mappings().first()
    return None if row is None else AllocationResult(**row)
