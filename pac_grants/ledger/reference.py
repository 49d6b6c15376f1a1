"""The reference tables beside the ledger: communes, dead letters, allocation results,
and the outbox of the pipeline's output records.

Mutable, neither chained nor append-only: commune names are looked up by the views and
exports, dead letters (docs/events.md "Dead letters") are listed and replayed by ``dlq``,
the latest allocation result of a window is what the API shows when no input state is
stored, and the outbox holds output records until they are produced to Kafka. Each
``*View`` only reads; the writing subclass is only handed out by a unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from models import state as t
from models.ledger import ALLOCATION_RESULTS, COMMUNES, DEAD_LETTERS
from models.responses import DeadLetter
from pac_grants.ledger import views

Connect = Callable[[], Connection]
RESULTS = ALLOCATION_RESULTS
COMMUNE_FIELDS = (
    "code", "name_fr", "name_ar", "region", "province", "population_2014",
    "population_2024", "participating",
)


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


class CommunesView:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def names(self, codes: list[str]) -> dict[str, tuple[str, str]]:
        """code -> (name_fr, name_ar) for the codes the reference table knows."""
        return views.commune_names(self._connect(), codes)

    def rows(self) -> list[dict[str, Any]]:
        """Every commune of the reference table, with its names, region and populations."""
        query = select(COMMUNES).order_by(COMMUNES.c.code)
        return [dict(r) for r in self._connect().execute(query).mappings()]

    def regions(self) -> dict[str, dict[str, Any]]:
        """code -> names and region, for every commune the reference table knows."""
        c = COMMUNES.c
        rows = self._connect().execute(select(c.code, c.name_fr, c.name_ar, c.region))
        return {code: {"name_fr": fr, "name_ar": ar, "region": region}
                for code, fr, ar, region in rows}


class Communes(CommunesView):
    def upsert(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert or update communes by code; returns how many rows were given."""
        now = datetime.now(UTC)
        values = [{**{f: row.get(f) for f in COMMUNE_FIELDS}, "updated_at": now} for row in rows]
        for value in values:
            if value["participating"] is None:
                value["participating"] = True
        if not values:
            return 0
        connection = self._connect()
        statement = _dialect_insert(connection, COMMUNES)
        updated = {f: statement.excluded[f] for f in (*COMMUNE_FIELDS[1:], "updated_at")}
        connection.execute(statement.on_conflict_do_update(index_elements=["code"],
                                                           set_=updated), values)
        return len(values)


class DeadLettersView:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def recent(self, limit: int, code: str | None = None) -> list[DeadLetter]:
        """The most recent dead letters first, optionally of one error code."""
        query = select(DEAD_LETTERS).order_by(DEAD_LETTERS.c.id.desc()).limit(limit)
        if code is not None:
            query = query.where(DEAD_LETTERS.c.code == code)
        return [DeadLetter.model_validate(dict(row) | {"received_at": _utc(row["received_at"])})
                for row in self._connect().execute(query).mappings()]


def _utc(moment: datetime) -> datetime:
    """Stamped in UTC; SQLite hands the value back without its zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class DeadLetters(DeadLettersView):
    def record(self, **fields: Any) -> bool:
        """Store one dead letter; False if (topic, partition, offset) was already stored."""
        connection = self._connect()
        statement = (
            _dialect_insert(connection, DEAD_LETTERS)
            .on_conflict_do_nothing(index_elements=["source_topic", "partition", "offset"])
            .returning(DEAD_LETTERS.c.id)
        )
        return connection.execute(statement, fields).first() is not None


class ResultsView:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def latest(self, cycle: int, window: str) -> AllocationResult | None:
        query = (select(RESULTS).where(RESULTS.c.cycle == cycle, RESULTS.c.window == window)
                 .order_by(RESULTS.c.id.desc()).limit(1))
        row = self._connect().execute(query).mappings().first()
        return None if row is None else AllocationResult(**row)


class Results(ResultsView):
    def record(self, **fields: Any) -> None:
        self._connect().execute(RESULTS.insert(), [{**fields, "written_at": datetime.now(UTC)}])


OutboxRow = tuple[int, str, bytes | None, bytes]


class Outbox:
    """Output records queued in a batch's transaction, produced after its commit."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect
        self.enqueued = 0  # records queued through this repository (is a drain due?)

    def enqueue(self, topic: str, key: bytes | None, value: bytes) -> None:
        self._connect().execute(insert(t.outbox).values(topic=topic, key=key, value=value))
        self.enqueued += 1

    def pending(self, limit: int = 1000) -> list[OutboxRow]:
        rows = self._connect().execute(select(t.outbox).order_by(t.outbox.c.id).limit(limit))
        return [(int(r.id), str(r.topic), r.key, bytes(r.value)) for r in rows]

    def sent(self, ids: list[int]) -> None:
        self._connect().execute(delete(t.outbox).where(t.outbox.c.id.in_(ids)))

    def count(self) -> int:
        return int(self._connect().execute(
            select(func.count()).select_from(t.outbox)).scalar_one())
