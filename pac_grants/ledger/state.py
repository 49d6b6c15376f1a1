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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    String,
    and_,
    case,
    column,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)

from models import state as t
from models.codes import CycleState

Connect = Callable[[], Connection]
CHUNK = 500  # bound on IN (...) parameters


@dataclass(frozen=True)
class CycleRow:
    """A cycle as the pipeline keeps it (docs/events.md s4)."""

    cycle: int
    ruleset_id: str
    pools: dict[str, int]
    state: CycleState
    ruleset_document: str | None = None
    opened_on: date | None = None
    approvals: int = 0  # 1 after the first CycleClosed, 2 after a reopening and another
    notified_on: date | None = None
    complaint_deadline: date | None = None
    closed_on: date | None = None  # of the last approval
    first_closed_on: date | None = None
    decision_ref: str | None = None
    approved_by: str | None = None
    reopened_on: date | None = None
    reopen_ref: str | None = None
    reopen_reason: str | None = None
    financiers: dict[str, dict[str, int]] = field(default_factory=dict)  # {window: {f: MAD}}
    carried_in: dict[str, int] = field(default_factory=dict)  # {window: MAD}
    carried_out: dict[str, int] = field(default_factory=dict)
    orders: bool = True  # False: approved before payment orders existed

    @property
    def effective_pools(self) -> dict[str, int]:
        """The pools the allocation shares: funded + carried in - carried out (MAD)."""
        return {w: pool + self.carried_in.get(w, 0) - self.carried_out.get(w, 0)
                for w, pool in self.pools.items()}

    @property
    def approved(self) -> bool:
        """Approved and not reopened: its inputs are frozen."""
        return self.state == CycleState.APPROVED

    @property
    def status(self) -> str:
        """``closed`` once approved at least once (the summary's older field), else ``open``."""
        return "closed" if self.approvals else "open"


@dataclass(frozen=True)
class ComplaintRow:
    complaint_id: str
    cycle: int
    commune_code: str
    lodged_on: date
    subjects: tuple[str, ...]
    summary: str | None
    event_id: str
    digest: str
    decided_on: date | None = None
    outcome: str | None = None  # upheld | rejected
    revision: int | None = None
    decision_event_id: str | None = None
    decision_digest: str | None = None


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


_JSON_FIELDS = ("pools", "financiers", "carried_in", "carried_out")
_CYCLE_FIELDS = tuple(f for f in CycleRow.__dataclass_fields__
                      if f not in (*_JSON_FIELDS, "state", "orders"))


def _cycle_row(row: Any) -> CycleRow:
    fields = {name: getattr(row, name) for name in _CYCLE_FIELDS}
    documents = {name: json.loads(getattr(row, name) or "{}") for name in _JSON_FIELDS}
    return CycleRow(**fields, **documents, state=CycleState(row.state),
                    orders=row.orders is not False)


@dataclass(frozen=True)
class OrderRow:
    """A payment order (docs/rules.md s8.1); amounts in centimes."""

    order_id: str
    cycle: int
    commune_code: str
    tranche: str
    approval: int
    issued_on: date
    due_on: date
    gross: int
    offset: int
    amount: int  # net: gross - offset
    cancelled: int = 0
    paid: int = 0

    @property
    def unpaid(self) -> int:
        return self.amount - self.cancelled - self.paid


def _complaint_row(row: Any) -> ComplaintRow:
    data = dict(row._mapping)
    return ComplaintRow(**(data | {"subjects": tuple(json.loads(data["subjects"]))}))


def _offsets_update(rows: list[dict[str, Any]]) -> Any:
    """``UPDATE pipeline_offsets`` of several partitions of one topic in one statement:
    ``offset = CASE partition WHEN ... END`` (any dialect)."""
    o = t.offsets.c
    cases = case({row["partition"]: row["offset"] for row in rows}, value=o.partition)
    return update(t.offsets).where(o.topic == rows[0]["topic"], o.partition.in_(
        [row["partition"] for row in rows])).values(offset=cases)


_KEYS = text("SELECT k.cycle, k.code FROM unnest(CAST(:cycles AS integer[]), "
             "CAST(:codes AS text[])) AS k(cycle, code)"
             ).columns(column("cycle", Integer), column("code", String))


def _revisions_of(connection: Connection, keys: list[tuple[int, str]]) -> Any:
    """The query of :meth:`StateView.revisions` for one chunk of keys."""
    c = t.assessments.c
    if connection.dialect.name == "postgresql":
        given = _KEYS.bindparams(cycles=[k[0] for k in keys],
                                 codes=[k[1] for k in keys]).subquery()
        return select(t.assessments).join(given, and_(
            c.cycle == given.c.cycle, c.commune_code == given.c.code))
    return select(t.assessments).where(tuple_(c.cycle, c.commune_code).in_(keys))


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
        """Those of ``event_ids`` already processed (docs/events.md: redeliveries)."""
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

    def communes_version(self) -> int:
        """The highest commune version written (-1: no commune), from the index."""
        found = self._connect().execute(select(func.max(t.communes.c.version))).scalar()
        return -1 if found is None else int(found)

    def communes_since(self, version: int) -> list[tuple[StoredCommune, int]]:
        """The communes written above ``version`` (all of them for -1), with their version:
        what a worker holding ``version`` has not seen (streams/registry.py)."""
        c = t.communes.c
        rows = self._connect().execute(select(c.code, c.event_id, c.payload, c.digest,
                                              c.version).where(c.version > version))
        return [(StoredCommune(str(r.code), str(r.event_id), str(r.payload), str(r.digest)),
                 int(r.version)) for r in rows]

    # -- cycles -------------------------------------------------------------------------
    def cycle(self, number: int) -> CycleRow | None:
        row = self._connect().execute(
            select(t.cycles).where(t.cycles.c.cycle == number)).first()
        return None if row is None else _cycle_row(row)

    def cycles(self) -> list[CycleRow]:
        rows = self._connect().execute(select(t.cycles).order_by(t.cycles.c.cycle))
        return [_cycle_row(r) for r in rows]

    def frozen_communes(self, cycle: int) -> dict[str, tuple[StoredCommune, str | None]]:
        """The commune data of the cycle's last approval: code -> (payload, window)."""
        f = t.frozen_communes.c
        rows = self._connect().execute(select(t.frozen_communes).where(f.cycle == cycle))
        return {str(r.code): (StoredCommune(str(r.code), str(r.event_id), str(r.payload),
                                            str(r.digest)), r.window) for r in rows}

    # -- treasury -------------------------------------------------------------------------
    def order(self, order_id: str) -> OrderRow | None:
        row = self._connect().execute(
            select(t.orders).where(t.orders.c.order_id == order_id)).first()
        return None if row is None else OrderRow(**row._mapping)

    def orders(self, cycle: int | None = None, code: str | None = None) -> list[OrderRow]:
        """Orders by cycle, commune and due date (oldest first), then id."""
        c = t.orders.c
        query = select(t.orders).order_by(c.cycle, c.commune_code, c.due_on, c.order_id)
        if cycle is not None:
            query = query.where(c.cycle == cycle)
        if code is not None:
            query = query.where(c.commune_code == code)
        return [OrderRow(**r._mapping) for r in self._connect().execute(query)]

    def recovery_known(self, recovery_ref: str) -> bool:
        column = t.recoveries.c.recovery_ref
        return self._connect().execute(
            select(column).where(column == recovery_ref)).first() is not None

    # -- complaints -----------------------------------------------------------------------
    def complaint(self, complaint_id: str) -> ComplaintRow | None:
        c = t.complaints.c
        row = self._connect().execute(
            select(t.complaints).where(c.complaint_id == complaint_id)).first()
        return None if row is None else _complaint_row(row)

    def complaints(self, cycle: int | None = None) -> list[ComplaintRow]:
        c = t.complaints.c
        query = select(t.complaints).order_by(c.cycle, c.commune_code, c.complaint_id)
        if cycle is not None:
            query = query.where(c.cycle == cycle)
        return [_complaint_row(r) for r in self._connect().execute(query)]

    # -- assessments --------------------------------------------------------------------
    def revisions(self, keys: Iterable[tuple[int, str]]) -> list[AssessmentRow]:
        """Every stored revision of the given (cycle, commune) keys, on the primary key
        (cycle, commune_code, revision), in one statement per 500 keys: its cost follows
        the keys asked for, not the size of the table. PostgreSQL joins the keys given as
        two arrays (one statement text whatever their number: planned once); SQLite
        takes ``(cycle, commune_code) IN (VALUES ...)``."""
        wanted = sorted(set(keys))
        found: list[AssessmentRow] = []
        connection = self._connect()
        for chunk in chunks(wanted):
            found.extend(AssessmentRow(**r._mapping)
                         for r in connection.execute(_revisions_of(connection, chunk)))
        return found

    def counting(self, cycle: int) -> list[tuple[str, int, str, str, str]]:
        """(commune, revision, event id, digest, status) of the cycle's counted and held
        revisions, by commune and revision, without payloads: what a kept allocation
        compares with the stored state (streams/books.py)."""
        c = t.assessments.c
        query = (select(c.commune_code, c.revision, c.event_id, c.digest, c.status)
                 .where(c.cycle == cycle, c.status.in_(("counted", "held")))
                 .order_by(c.commune_code, c.revision))
        return [(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]))
                for r in self._connect().execute(query)]

    def payloads(self, cycle: int, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """(commune, revision) -> stored payload, for some revisions of one cycle."""
        wanted = set(keys)
        c = t.assessments.c
        found: dict[tuple[str, int], str] = {}
        for chunk in chunks(sorted({code for code, _revision in wanted})):
            query = select(c.commune_code, c.revision, c.payload).where(
                c.cycle == cycle, c.commune_code.in_(chunk))
            for code, revision, payload in self._connect().execute(query):
                if (code, revision) in wanted:
                    found[(str(code), int(revision))] = str(payload)
        return found

    def held(self, cycles: Iterable[int] | None = None,
             codes: Iterable[str] | None = None) -> list[AssessmentRow]:
        """Assessments waiting for their commune or cycle (docs/events.md)."""
        c = t.assessments.c
        query = select(t.assessments).where(c.status == "held")
        if cycles is not None:
            query = query.where(c.cycle.in_(list(cycles)))
        if codes is not None:
            query = query.where(c.commune_code.in_(list(codes)))
        return [AssessmentRow(**r._mapping) for r in self._connect().execute(query)]

    def counted(self, cycle: int) -> dict[str, AssessmentRow]:
        """The counting revision of each commune: the highest ``counted`` one (docs/events.md)."""
        c = t.assessments.c
        query = (select(t.assessments).where(and_(c.cycle == cycle, c.status == "counted"))
                 .order_by(c.commune_code, c.revision))
        return {r.commune_code: AssessmentRow(**r._mapping)
                for r in self._connect().execute(query)}


class State(StateView):
    """Reads and writes of the pipeline state, inside a unit of work."""

    def track_offsets(self, topic: str, last: dict[int, int],
                      known: dict[int, int] | None = None) -> None:
        """Record the last offset of each partition (``known``: the tracked offsets as
        read in this transaction, to spare reading them again)."""
        known = self.tracked_offsets(topic) if known is None else known
        conn = self._connect()
        rows = [{"topic": topic, "partition": p, "offset": o} for p, o in sorted(last.items())]
        new = [row for row in rows if row["partition"] not in known]
        if new:
            conn.execute(insert(t.offsets), new)
        moved = [row for row in rows if row["partition"] in known]
        if moved:  # one statement for every partition (UPDATE ... FROM (VALUES ...))
            conn.execute(_offsets_update(moved))

    def mark_processed(self, rows: list[dict[str, str]]) -> None:
        """Rows ``{"event_id", "topic"}`` of events that took effect."""
        if rows:
            self._connect().execute(insert(t.processed_events), rows)

    def upsert_commune(self, stored: StoredCommune, exists: bool, version: int = 0) -> None:
        """Insert or replace a commune; ``version``: its place in the order of writes
        (the next above ``communes_version``, see streams/registry.py)."""
        values = {"event_id": stored.event_id, "payload": stored.payload,
                  "digest": stored.digest, "version": version}
        table = t.communes
        statement = (update(table).values(**values).where(table.c.code == stored.code)
                     if exists else insert(table).values(code=stored.code, **values))
        self._connect().execute(statement)

    def open_cycle(self, cycle: int, ruleset_id: str, document: str, pools: dict[str, int],
                   financiers: dict[str, dict[str, int]], event_id: str,
                   opened_on: date) -> None:
        self._connect().execute(insert(t.cycles).values(
            cycle=cycle, ruleset_id=ruleset_id, ruleset_document=document,
            pools=json.dumps(pools, sort_keys=True), state=CycleState.OPEN,
            financiers=json.dumps(financiers, sort_keys=True), opened_event_id=event_id,
            opened_on=opened_on, approvals=0, orders=True))

    def update_cycle(self, cycle: int, **values: Any) -> None:
        """Set some of the cycle's fields (state, dates, decisions; JSON ones as dicts)."""
        for name in _JSON_FIELDS:
            if name in values:
                values[name] = json.dumps(values[name], sort_keys=True)
        self._connect().execute(update(t.cycles).values(**values)
                                .where(t.cycles.c.cycle == cycle))

    def add_order(self, row: OrderRow) -> None:
        self._connect().execute(insert(t.orders).values(**row.__dict__))

    def settle_order(self, order_id: str, *, paid: int = 0, cancelled: int = 0) -> None:
        """Add to an order's paid and cancelled totals (centimes)."""
        c = t.orders.c
        self._connect().execute(update(t.orders).where(c.order_id == order_id).values(
            paid=c.paid + paid, cancelled=c.cancelled + cancelled))

    def add_recovery(self, recovery_ref: str, cycle: int, code: str, centimes: int,
                     event_id: str) -> None:
        self._connect().execute(insert(t.recoveries).values(
            recovery_ref=recovery_ref, cycle=cycle, commune_code=code,
            amount_centimes=centimes, event_id=event_id))


    def approve(self, cycle: int, event_id: str, **values: Any) -> None:
        """Record an approval: state approved, one more approval, its date and decision."""
        c = t.cycles.c
        self._connect().execute(update(t.cycles).values(
            state=CycleState.APPROVED, approvals=c.approvals + 1, closed_event_id=event_id,
            closed_at=datetime.now(UTC), **values).where(c.cycle == cycle))

    def freeze_communes(self, cycle: int, rows: list[tuple[StoredCommune, str | None]]) -> None:
        """The commune data this approval used, replacing an earlier approval's."""
        connection = self._connect()
        f = t.frozen_communes
        connection.execute(delete(f).where(f.c.cycle == cycle))
        values = [{"cycle": cycle, "code": s.code, "event_id": s.event_id,
                   "payload": s.payload, "digest": s.digest, "window": window}
                  for s, window in rows]
        if values:
            connection.execute(insert(f), values)

    def lock_cycle(self, cycle: int) -> CycleState | None:
        """The cycle's state, its row locked until commit (``FOR UPDATE``)."""
        found = self._connect().execute(select(t.cycles.c.state).where(
            t.cycles.c.cycle == cycle).with_for_update()).scalar_one_or_none()
        return None if found is None else CycleState(found)

    def add_complaint(self, row: ComplaintRow) -> None:
        values = row.__dict__ | {"subjects": json.dumps(list(row.subjects))}
        self._connect().execute(insert(t.complaints).values(**values))

    def decide_complaint(self, complaint_id: str, **values: Any) -> None:
        c = t.complaints.c
        self._connect().execute(update(t.complaints).values(**values)
                                .where(c.complaint_id == complaint_id))

    def add_assessments(self, rows: list[AssessmentRow]) -> None:
        if rows:
            self._connect().execute(insert(t.assessments), [r.__dict__ for r in rows])

    def forget_assessment(self, row: AssessmentRow) -> None:
        """Drop a held assessment refused at its release: its dead letter keeps the
        message, and replaying it (``dlq replay``) must be judged again, not taken for a
        redelivery of an event that took effect."""
        c = t.assessments.c
        conn = self._connect()
        conn.execute(delete(t.assessments).where(and_(
            c.cycle == row.cycle, c.commune_code == row.commune_code,
            c.revision == row.revision)))
        conn.execute(delete(t.processed_events).where(
            t.processed_events.c.event_id == row.event_id))

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
