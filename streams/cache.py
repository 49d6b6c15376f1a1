"""A batch's view of the input state: read once, kept in memory, written through.

Throughput (operations.md "Performance"): one query per message per table would cost
more than the rules. A batch therefore loads what it needs in a few queries (cycles,
communes, the revisions and event ids its messages mention), reads them from memory,
and writes processed ids and new revisions in bulk before the recomputation reads them.
The batch holds the ledger's writer lock, so nothing else changes these rows meanwhile.

Parsed communes and assessments are also kept across batches, keyed by what makes them
immutable (a commune's content digest, an assessment's event id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from models import state as t
from models.decode import parse_json
from models.events import AssessmentSubmitted, CommuneRegistered
from pac_grants.ledger import reference
from pac_grants.rules.types import Assessment, Commune
from streams import state

_COMMUNES: dict[str, Commune] = {}  # digest -> parsed commune
_ASSESSMENTS: dict[str, Assessment] = {}  # event id -> parsed assessment
_LIMIT = 500_000


def parsed_commune(digest: str, payload: str) -> Commune:
    found = _COMMUNES.get(digest)
    if found is None:
        if len(_COMMUNES) > _LIMIT:
            _COMMUNES.clear()
        found = CommuneRegistered.model_validate(parse_json(payload.encode())).to_domain()
        _COMMUNES[digest] = found
    return found


def parsed_assessment(row: state.AssessmentRow) -> Assessment:
    found = _ASSESSMENTS.get(row.event_id)
    if found is None:
        if len(_ASSESSMENTS) > _LIMIT:
            _ASSESSMENTS.clear()
        event = AssessmentSubmitted.model_validate(parse_json(row.payload.encode("utf-8")))
        found = _ASSESSMENTS[row.event_id] = event.to_domain()
    return found


@dataclass
class CommuneEntry:
    payload: str
    digest: str


class BatchState:
    """Read-through, write-through cache of the state for one batch transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._cycles: dict[int, state.CycleRow] | None = None
        self._communes: dict[str, CommuneEntry] | None = None
        self._seen: set[str] = set()
        self._revisions: dict[tuple[int, str], list[state.AssessmentRow]] = {}
        self._loaded: set[tuple[int, str]] = set()
        self._new_events: list[dict[str, Any]] = []
        self._new_rows: list[state.AssessmentRow] = []
        self.reference_rows: list[dict[str, Any]] = []  # ledger's communes table

    # -- preloading -----------------------------------------------------------------
    def preload(self, event_ids: Iterable[str], keys: Iterable[tuple[int, str]]) -> None:
        """One query for the batch's known event ids, one for its revisions."""
        ids = list(set(event_ids))
        for chunk in _chunks(ids):
            rows = self.conn.execute(select(t.processed_events.c.event_id)
                                     .where(t.processed_events.c.event_id.in_(chunk)))
            self._seen.update(str(r[0]) for r in rows)
        wanted = set(keys) - self._loaded
        codes = sorted({code for _c, code in wanted})
        for chunk in _chunks(codes):
            c = t.assessments.c
            for r in self.conn.execute(select(t.assessments).where(c.commune_code.in_(chunk))):
                row = state.AssessmentRow(**r._mapping)
                if (row.cycle, row.commune_code) in wanted:
                    self._revisions.setdefault((row.cycle, row.commune_code), []).append(row)
        self._loaded |= wanted

    # -- event ids ------------------------------------------------------------------
    def seen(self, event_id: str) -> bool:
        return event_id in self._seen

    def mark(self, event_id: str, topic: str) -> None:
        self._seen.add(event_id)
        self._new_events.append({"event_id": event_id, "topic": topic})

    # -- cycles ---------------------------------------------------------------------
    def cycles(self) -> dict[int, state.CycleRow]:
        if self._cycles is None:
            self._cycles = {row.cycle: row for row in state.all_cycles(self.conn)}
        return self._cycles

    def cycle(self, number: int) -> state.CycleRow | None:
        return self.cycles().get(number)

    def refresh_cycle(self, number: int) -> None:
        found = state.get_cycle(self.conn, number)
        if found is not None:
            self.cycles()[number] = found

    # -- communes -------------------------------------------------------------------
    def communes(self) -> dict[str, CommuneEntry]:
        if self._communes is None:
            rows = self.conn.execute(select(t.communes.c.code, t.communes.c.payload,
                                            t.communes.c.digest))
            self._communes = {str(c): CommuneEntry(str(p), str(d)) for c, p, d in rows}
        return self._communes

    def commune(self, code: str) -> Commune | None:
        entry = self.communes().get(code)
        return None if entry is None else parsed_commune(entry.digest, entry.payload)

    def put_commune(self, code: str, event_id: str, payload: str, digest: str) -> None:
        state.upsert_commune(self.conn, code, event_id, payload, digest)
        self.communes()[code] = CommuneEntry(payload, digest)

    def all_communes(self) -> list[Commune]:
        return [parsed_commune(e.digest, e.payload) for e in self.communes().values()]

    # -- assessments ----------------------------------------------------------------
    def revisions(self, cycle: int, code: str) -> list[state.AssessmentRow]:
        if (cycle, code) not in self._loaded:
            self.preload((), [(cycle, code)])
        return self._revisions.get((cycle, code), [])

    def add_assessment(self, row: state.AssessmentRow) -> None:
        self._revisions.setdefault((row.cycle, row.commune_code), []).append(row)
        self._new_rows.append(row)

    def set_status(self, row: state.AssessmentRow, status: str) -> None:
        self.flush()
        state.set_assessment_status(self.conn, row, status)
        rows = self._revisions.get((row.cycle, row.commune_code))
        if rows is not None:
            self._revisions[(row.cycle, row.commune_code)] = [
                r if r.revision != row.revision else state.AssessmentRow(
                    **(r.__dict__ | {"status": status})) for r in rows]

    def flush(self) -> None:
        """Write the batched inserts (before anything reads the tables directly)."""
        if self._new_events:
            self.conn.execute(insert(t.processed_events), self._new_events)
            self._new_events = []
        if self.reference_rows:
            latest = {row["code"]: row for row in self.reference_rows}  # one row per code
            reference.upsert_communes(self.conn, latest.values())
            self.reference_rows = []
        if self._new_rows:
            self.conn.execute(insert(t.assessments), [r.__dict__ for r in self._new_rows])
            self._new_rows = []


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
