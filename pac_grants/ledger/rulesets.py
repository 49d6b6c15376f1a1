"""Variant rulesets stored for simulations (models/rulesets.py, issue 13): insert-only.

Not part of the chain: ``pac-grants rulesets add`` stores a validated variant under its
digest so that the API can name it. The view reads them; the writing subclass is only
handed out by a unit of work (``chain=False``: storing a ruleset posts nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select

from models.rulesets import stored_rulesets

Connect = Callable[[], Connection]


@dataclass(frozen=True)
class StoredRuleset:
    digest: str
    ruleset_id: str
    version: int
    cycle: int
    source: str
    content: str  # the YAML as written
    added_at: datetime


class RulesetsView:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def available(self) -> bool:
        """False on a database whose migrations predate the table."""
        return inspect(self._connect()).has_table("stored_rulesets")

    def all(self) -> list[StoredRuleset]:
        """Oldest first; none when the table is not there yet."""
        if not self.available():
            return []
        t = stored_rulesets.c
        query = select(t.digest, t.ruleset_id, t.version, t.cycle, t.source, t.content,
                       t.added_at).order_by(t.added_at, t.digest)
        return [StoredRuleset(r.digest, r.ruleset_id, r.version, r.cycle, r.source, r.content,
                              _utc(r.added_at)) for r in self._connect().execute(query)]


def _utc(moment: datetime) -> datetime:
    """Stored in UTC; SQLite hands the value back without its zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Rulesets(RulesetsView):
    def add(self, row: StoredRuleset) -> None:
        self._connect().execute(stored_rulesets.insert().values(
            digest=row.digest, ruleset_id=row.ruleset_id, version=row.version,
            cycle=row.cycle, source=row.source, content=row.content, added_at=row.added_at))
