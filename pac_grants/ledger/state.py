"""The pipeline's input state beside the ledger (docs/pipeline.md "State in the database").

Latest communes, cycles, assessment revisions, payment references, processed event ids,
tracked offsets: mutable working state, written in the same database transaction as the
ledger postings of a batch (:class:`~pac_grants.ledger.unit_of_work.UnitOfWork`), read by
the read side (:mod:`pac_grants.readside`) to rebuild a cycle's inputs. Payloads are the
events' JSON as received; they were validated on the way in.

:class:`StateView` only reads; :class:`State` adds the writes and is only handed out by a
unit of work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from models import state as t

Connect = Callable[[], Connection]
CHUNK = 500  # bound on IN (...) parameters


@dataclass(frozen=True)
class CycleRow:
    cycle: int
    ruleset_id: str
    pools: dict[str, int]
    status: str  # open | closed


@dataclass(frozen=True)
class AssessmentRow:
    cycle: int
    commune_code: str
    revision: int
    event_id: str
    digest: str
    payload: str
    status: str  # held | counted | rejected
    source_topic: str
    source_partition: int
    source_offset: int

    def with_status(self, status: str) -> AssessmentRow:
        return AssessmentRow(**(self.__dict__ | {"status": status}))


@dataclass(frozen=True)
class StoredCommune:
    """The latest ``CommuneRegistered`` of a code, as received, and its content digest."""

    code: str
    event_id: str
    payload: str
    digest: str


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _cycle_row(row: Any) -> CycleRow:
    return CycleRow(int(row.cycle), str(row.ruleset_id), json.loads(row.pools), str(row.status))


class StateView:
    """Reads of the pipeline state on one connection."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    # -- offsets ------------------------------------------------------------------------
    def tracked_offsets(self, topic: str) -> dict[int, int]:
        rows = self._connect().execute(select(t.offsets.c.partition, t.offsets.c.offset)
                                       .where(t.offsets.c.topic == topic))
        return {int(p): int(o) for p, o in rows}

    def all_offsets(self) -> dict[tuple[str, int], int]:
        rows = self._connect().execute(
            select(t.offsets.c.topic, t.offsets.c.partition, t.offsets.c.offset))
        return {(str(tp), int(p)): int(o) for tp, p, o in rows}

    # -- event ids and payment references ----------------------------------------------
    def processed(self, event_ids: Iterable[str]) -> set[str]:
        """Those of ``event_ids`` already processed (events.md: redeliveries)."""
        found: set[str] = set()
        column = t.processed_events.c.event_id
        for chunk in chunks(list(set(event_ids))):
            found.update(str(r[0]) for r in self._connect().execute(
                select(column).where(column.in_(chunk))))
        return found

    def disbursement_known(self, payment_ref: str) -> bool:
        column = t.disbursements.c.payment_ref
        return self._connect().execute(
            select(column).where(column == payment_ref)).first() is not None

    # -- communes -----------------------------------------------------------------------
    def communes(self) -> dict[str, StoredCommune]:
        c = t.communes.c
        rows = self._connect().execute(select(c.code, c.event_id, c.payload, c.digest))
        return {str(r.code): StoredCommune(str(r.code), str(r.event_id), str(r.payload),
                                           str(r.digest)) for r in rows}

    # -- cycles -------------------------------------------------------------------------
    def cycle(self, number: int) -> CycleRow | None:
        row = self._connect().execute(
            select(t.cycles).where(t.cycles.c.cycle == number)).first()
        return None if row is None else _cycle_row(row)

    def cycles(self) -> list[CycleRow]:
        rows = self._connect().execute(select(t.cycles).order_by(t.cycles.c.cycle))
        return [_cycle_row(r) for r in rows]

    # -- assessments --------------------------------------------------------------------
    def revisions(self, keys: Iterable[tuple[int, str]]) -> list[AssessmentRow]:
        """Every stored revision of the given (cycle, commune) keys."""
        wanted = set(keys)
        c = t.assessments.c
        found = []
        for chunk in chunks(sorted({code for _cycle, code in wanted})):
            query = select(t.assessments).where(c.commune_code.in_(chunk))
            for r in self._connect().execute(query):
                row = AssessmentRow(**r._mapping)
                if (row.cycle, row.commune_code) in wanted:
                    found.append(row)
        return found

    def held(self, cycles: Iterable[int] | None = None,
             codes: Iterable[str] | None = None) -> list[AssessmentRow]:
        """Assessments waiting for their commune or cycle (events.md)."""
        c = t.assessments.c
        query = select(t.assessments).where(c.status == "held")
        if cycles is not None:
            query = query.where(c.cycle.in_(list(cycles)))
        if codes is not None:
            query = query.where(c.commune_code.in_(list(codes)))
        return [AssessmentRow(**r._mapping) for r in self._connect().execute(query)]

    def counted(self, cycle: int) -> dict[str, AssessmentRow]:
        """The counting revision of each commune: the highest ``counted`` one (events.md)."""
        c = t.assessments.c
        query = (select(t.assessments).where(and_(c.cycle == cycle, c.status == "counted"))
                 .order_by(c.commune_code, c.revision))
        return {r.commune_code: AssessmentRow(**r._mapping)
                for r in self._connect().execute(query)}


class State(StateView):
    """Reads and writes of the pipeline state, inside a unit of work."""

    def track_offsets(self, topic: str, last: dict[int, int]) -> None:
        known = self.tracked_offsets(topic)
        conn = self._connect()
        for partition, offset in last.items():
            if partition in known:
                conn.execute(update(t.offsets).values(offset=offset).where(and_(
                    t.offsets.c.topic == topic, t.offsets.c.partition == partition)))
            else:
                conn.execute(insert(t.offsets).values(topic=topic, partition=partition,
                                                      offset=offset))

    def mark_processed(self, rows: list[dict[str, str]]) -> None:
        """Rows ``{"event_id", "topic"}`` of events that took effect."""
        if rows:
            self._connect().execute(insert(t.processed_events), rows)

    def upsert_commune(self, stored: StoredCommune, exists: bool) -> None:
        values = {"event_id": stored.event_id, "payload": stored.payload,
                  "digest": stored.digest}
        table = t.communes
        statement = (update(table).values(**values).where(table.c.code == stored.code)
                     if exists else insert(table).values(code=stored.code, **values))
        self._connect().execute(statement)

    def open_cycle(self, cycle: int, ruleset_id: str, pools: dict[str, int],
                   event_id: str) -> None:
        self._connect().execute(insert(t.cycles).values(
            cycle=cycle, ruleset_id=ruleset_id, pools=json.dumps(pools, sort_keys=True),
            status="open", opened_event_id=event_id))

    def set_pools(self, cycle: int, pools: dict[str, int]) -> None:
        self._connect().execute(update(t.cycles).values(pools=json.dumps(pools, sort_keys=True))
                                .where(t.cycles.c.cycle == cycle))

    def close_cycle(self, cycle: int, event_id: str) -> None:
        self._connect().execute(update(t.cycles).values(
            status="closed", closed_event_id=event_id, closed_at=datetime.now(UTC))
            .where(t.cycles.c.cycle == cycle))

    def lock_cycle(self, cycle: int) -> str | None:
        """The cycle's status, its row locked until commit (``FOR UPDATE``)."""
        return self._connect().execute(select(t.cycles.c.status).where(
            t.cycles.c.cycle == cycle).with_for_update()).scalar_one_or_none()

    def add_assessments(self, rows: list[AssessmentRow]) -> None:
        if rows:
            self._connect().execute(insert(t.assessments), [r.__dict__ for r in rows])

    def set_assessment_status(self, row: AssessmentRow, status: str) -> None:
        c = t.assessments.c
        self._connect().execute(update(t.assessments).values(status=status).where(and_(
            c.cycle == row.cycle, c.commune_code == row.commune_code,
            c.revision == row.revision)))

    def add_disbursement(self, payment_ref: str, cycle: int, code: str, centimes: int,
                         event_id: str) -> None:
        self._connect().execute(insert(t.disbursements).values(
            payment_ref=payment_ref, cycle=cycle, commune_code=code,
            amount_centimes=centimes, event_id=event_id))
