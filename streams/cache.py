"""A batch's view of the input state: read once, kept in memory, written through.

Throughput (docs/operations.md s5): one query per message per table would
cost more than the rules. A batch therefore loads what it needs in a few indexed queries
(cycles, the revisions and event ids its messages mention), reads them from memory, and
writes processed ids and new revisions in bulk before the recomputation reads them. The
communes come from the worker's :class:`~streams.registry.Registry` (kept across
batches, checked against ``max(version)``), with this batch's own writes on top until it
commits. The batch holds its partitions and the state (shared by assessments batches,
alone otherwise: docs/pipeline.md), so nothing else changes what it reads meanwhile.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping
from typing import Any, cast

from models.stored import stored_commune
from pac_grants.ledger import AssessmentRow, CycleRow, StoredCommune, UnitOfWork
from pac_grants.rules.types import Commune
from streams.registry import Registry


class BatchState:
    """Read-through, write-through cache of the state for one batch transaction."""

    def __init__(self, uow: UnitOfWork, registry: Registry | None = None) -> None:
        self.uow = uow
        self._cycles: dict[int, CycleRow] | None = None
        # Read before this batch writes anything: committed communes only.
        self._snapshot = (registry or Registry()).current(uow.state)
        self._written: dict[str, StoredCommune] = {}  # this batch's communes, on top
        self._written_parsed: dict[str, Commune] = {}
        self._versions = 0  # versions this batch handed out
        self._seen: set[str] = set()
        self._revisions: dict[tuple[int, str], list[AssessmentRow]] = {}
        self._loaded: set[tuple[int, str]] = set()
        self._new_events: list[dict[str, str]] = []
        self._new_rows: list[AssessmentRow] = []
        self.reference_rows: list[dict[str, Any]] = []  # the ledger's communes table

    # -- preloading -----------------------------------------------------------------
    def preload(self, event_ids: Iterable[str], keys: Iterable[tuple[int, str]]) -> None:
        """One query for the batch's known event ids, one for its revisions."""
        self._seen |= self.uow.state.processed(event_ids)
        wanted = set(keys) - self._loaded
        for row in self.uow.state.revisions(wanted):
            self._revisions.setdefault((row.cycle, row.commune_code), []).append(row)
        self._loaded |= wanted

    # -- event ids ------------------------------------------------------------------
    def seen(self, event_id: str) -> bool:
        return event_id in self._seen

    def mark(self, event_id: str, topic: str) -> None:
        self._seen.add(event_id)
        self._new_events.append({"event_id": event_id, "topic": topic})

    # -- cycles ---------------------------------------------------------------------
    def cycles(self) -> dict[int, CycleRow]:
        if self._cycles is None:
            self._cycles = {row.cycle: row for row in self.uow.state.cycles()}
        return self._cycles

    def cycle(self, number: int) -> CycleRow | None:
        return self.cycles().get(number)

    def refresh_cycle(self, number: int) -> CycleRow:
        """The cycle's row as the batch just wrote it."""
        found = self.uow.state.cycle(number)
        assert found is not None, f"cycle {number} was written in this batch"
        self.cycles()[number] = found
        return found

    # -- communes -------------------------------------------------------------------
    def communes(self) -> Mapping[str, str]:
        """Every registered commune's content digest (the batch's own writes included)."""
        if not self._written:
            return self._snapshot.digests
        return ChainMap({code: s.digest for code, s in self._written.items()},
                        cast(dict[str, str], self._snapshot.digests))

    def parsed_communes(self) -> Mapping[str, Commune]:
        """Every registered commune's domain value (what an allocation reads)."""
        if not self._written_parsed:
            return self._snapshot.parsed
        return ChainMap(self._written_parsed, cast(dict[str, Commune], self._snapshot.parsed))

    def has_commune(self, code: str) -> bool:
        return code in self._written or code in self._snapshot.digests

    def commune_digest(self, code: str) -> str | None:
        """The content digest of the commune's registration that counts (None: none)."""
        written = self._written.get(code)
        return written.digest if written is not None else self._snapshot.digests.get(code)

    def commune(self, code: str) -> Commune | None:
        return self._written_parsed.get(code) or self._snapshot.parsed.get(code)

    def put_commune(self, stored: StoredCommune, parsed: Commune | None = None) -> None:
        """Write a commune with the next version (this batch holds the state alone:
        streams/registry.py); ``parsed``: its domain value, if the caller has it."""
        self._versions += 1
        version = max(self._snapshot.version, 0) + self._versions
        self.uow.state.upsert_commune(stored, exists=self.has_commune(stored.code),
                                      version=version)
        self._written[stored.code] = stored
        self._written_parsed[stored.code] = parsed or stored_commune(stored.payload)

    # -- assessments ----------------------------------------------------------------
    def revisions(self, cycle: int, code: str) -> list[AssessmentRow]:
        if (cycle, code) not in self._loaded:
            self.preload((), [(cycle, code)])
        return self._revisions.get((cycle, code), [])

    def add_assessment(self, row: AssessmentRow) -> None:
        self._revisions.setdefault((row.cycle, row.commune_code), []).append(row)
        self._new_rows.append(row)

    def forget(self, row: AssessmentRow) -> None:
        """A held assessment refused at its release is as if never accepted."""
        self.flush()
        self.uow.state.forget_assessment(row)
        self._seen.discard(row.event_id)
        key = (row.cycle, row.commune_code)
        if key in self._revisions:
            self._revisions[key] = [r for r in self._revisions[key]
                                    if r.revision != row.revision]

    def set_status(self, row: AssessmentRow, status: str) -> None:
        self.flush()
        self.uow.state.set_assessment_status(row, status)
        rows = self._revisions.get((row.cycle, row.commune_code))
        if rows is not None:
            self._revisions[(row.cycle, row.commune_code)] = [
                r if r.revision != row.revision else r.with_status(status) for r in rows]

    def flush(self) -> None:
        """Write the batched inserts (before anything reads the tables directly)."""
        self.uow.state.mark_processed(self._new_events)
        self._new_events = []
        if self.reference_rows:
            latest = {row["code"]: row for row in self.reference_rows}  # one row per code
            self.uow.communes.upsert(latest.values())
            self.reference_rows = []
        self.uow.state.add_assessments(self._new_rows)
        self._new_rows = []
