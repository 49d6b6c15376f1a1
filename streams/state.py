"""Reading and writing the pipeline's input state on one database connection.

Every function takes the connection of the batch's transaction (streams/commit.py), so
the state, the ledger postings and the dead letters of a batch commit together
(docs/pipeline.md "Commit protocol"). Payloads are the events' JSON as received; they
are decoded again when a cycle is recomputed, so the state needs no second schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from models import state as t


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
    status: str
    source_topic: str
    source_partition: int
    source_offset: int


def tracked_offsets(conn: Connection, topic: str) -> dict[int, int]:
    rows = conn.execute(select(t.offsets.c.partition, t.offsets.c.offset)
                        .where(t.offsets.c.topic == topic))
    return {int(p): int(o) for p, o in rows}


def track_offsets(conn: Connection, topic: str, last: dict[int, int]) -> None:
    known = tracked_offsets(conn, topic)
    for partition, offset in last.items():
        if partition in known:
            conn.execute(update(t.offsets).values(offset=offset).where(and_(
                t.offsets.c.topic == topic, t.offsets.c.partition == partition)))
        else:
            conn.execute(insert(t.offsets).values(topic=topic, partition=partition,
                                                  offset=offset))


def all_offsets(conn: Connection) -> dict[tuple[str, int], int]:
    rows = conn.execute(select(t.offsets.c.topic, t.offsets.c.partition, t.offsets.c.offset))
    return {(str(tp), int(p)): int(o) for tp, p, o in rows}


# -- communes -------------------------------------------------------------------------

def commune_digest(conn: Connection, code: str) -> str | None:
    row = conn.execute(select(t.communes.c.digest).where(t.communes.c.code == code)).first()
    return None if row is None else str(row[0])


def upsert_commune(conn: Connection, code: str, event_id: str, payload: str,
                   digest: str) -> None:
    values = {"event_id": event_id, "payload": payload, "digest": digest}
    if commune_digest(conn, code) is None:
        conn.execute(insert(t.communes).values(code=code, **values))
    else:
        conn.execute(update(t.communes).values(**values).where(t.communes.c.code == code))


def commune_payloads(conn: Connection) -> dict[str, str]:
    return {str(c): str(p) for c, p in conn.execute(
        select(t.communes.c.code, t.communes.c.payload))}


# -- cycles ---------------------------------------------------------------------------

def _cycle_row(row: Any) -> CycleRow:
    return CycleRow(int(row.cycle), str(row.ruleset_id), json.loads(row.pools), str(row.status))


def get_cycle(conn: Connection, cycle: int) -> CycleRow | None:
    row = conn.execute(select(t.cycles).where(t.cycles.c.cycle == cycle)).first()
    return None if row is None else _cycle_row(row)


def all_cycles(conn: Connection) -> list[CycleRow]:
    return [_cycle_row(r) for r in conn.execute(select(t.cycles).order_by(t.cycles.c.cycle))]


def open_cycle(conn: Connection, cycle: int, ruleset_id: str, pools: dict[str, int],
               event_id: str) -> None:
    conn.execute(insert(t.cycles).values(
        cycle=cycle, ruleset_id=ruleset_id, pools=json.dumps(pools, sort_keys=True),
        status="open", opened_event_id=event_id))


def set_pools(conn: Connection, cycle: int, pools: dict[str, int]) -> None:
    conn.execute(update(t.cycles).values(pools=json.dumps(pools, sort_keys=True))
                 .where(t.cycles.c.cycle == cycle))


def close_cycle(conn: Connection, cycle: int, event_id: str) -> None:
    conn.execute(update(t.cycles).values(
        status="closed", closed_event_id=event_id, closed_at=datetime.now(UTC))
        .where(t.cycles.c.cycle == cycle))


# -- assessments ----------------------------------------------------------------------


def set_assessment_status(conn: Connection, row: AssessmentRow, status: str) -> None:
    c = t.assessments.c
    conn.execute(update(t.assessments).values(status=status).where(and_(
        c.cycle == row.cycle, c.commune_code == row.commune_code, c.revision == row.revision)))


def held_assessments(conn: Connection, cycles: Iterable[int] | None = None,
                     codes: Iterable[str] | None = None) -> list[AssessmentRow]:
    c = t.assessments.c
    query = select(t.assessments).where(c.status == "held")
    if cycles is not None:
        query = query.where(c.cycle.in_(list(cycles)))
    if codes is not None:
        query = query.where(c.commune_code.in_(list(codes)))
    return [AssessmentRow(**r._mapping) for r in conn.execute(query)]


def counted_assessments(conn: Connection, cycle: int) -> dict[str, AssessmentRow]:
    """The counting revision of each commune: the highest ``counted`` one (events.md)."""
    c = t.assessments.c
    rows = conn.execute(select(t.assessments).where(and_(c.cycle == cycle,
                                                         c.status == "counted"))
                        .order_by(c.commune_code, c.revision))
    return {r.commune_code: AssessmentRow(**r._mapping) for r in rows}


def held_count(conn: Connection, cycle: int) -> list[tuple[str, int]]:
    c = t.assessments.c
    rows = conn.execute(select(c.commune_code, c.revision).where(and_(
        c.cycle == cycle, c.status == "held")).order_by(c.commune_code, c.revision))
    return [(str(code), int(rev)) for code, rev in rows]


# -- disbursements --------------------------------------------------------------------

def disbursement_known(conn: Connection, payment_ref: str) -> bool:
    row = conn.execute(select(t.disbursements.c.payment_ref)
                       .where(t.disbursements.c.payment_ref == payment_ref)).first()
    return row is not None


def add_disbursement(conn: Connection, payment_ref: str, cycle: int, code: str,
                     centimes: int, event_id: str) -> None:
    conn.execute(insert(t.disbursements).values(
        payment_ref=payment_ref, cycle=cycle, commune_code=code,
        amount_centimes=centimes, event_id=event_id))


# -- outbox ---------------------------------------------------------------------------

def enqueue(conn: Connection, topic: str, key: bytes | None, value: bytes) -> None:
    conn.execute(insert(t.outbox).values(topic=topic, key=key, value=value))


def pending(conn: Connection, limit: int = 1000) -> list[tuple[int, str, bytes | None, bytes]]:
    rows = conn.execute(select(t.outbox).order_by(t.outbox.c.id).limit(limit))
    return [(int(r.id), str(r.topic), r.key, bytes(r.value)) for r in rows]


def sent(conn: Connection, ids: list[int]) -> None:
    conn.execute(delete(t.outbox).where(t.outbox.c.id.in_(ids)))


def pending_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.outbox)).scalar_one())
