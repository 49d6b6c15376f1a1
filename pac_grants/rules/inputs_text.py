"""``engine.inputs_digest`` kept up to date: each input's JSON fragment written once.

The inputs digest identifies what a result was computed from; ``inputs_digest`` writes
the canonical JSON of every commune and assessment each time (5 ms at 1,503 communes,
1.5 s at 150,300). Here each commune's and assessment's fragment is written when it
changes and kept in the digest's order (``inputs_digest`` sorts the rows), and the
digest joins them: the same text, so the same digest (tests/unit/test_book.py compares
after every change). Rows sort by their first item, the commune code, which is unique
when every assessment is keyed by its own commune code (as the book keeps them); else
by the whole row, as ``inputs_digest`` does.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, insort
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as quoted
from typing import Any

from pac_grants.rules.engine import _plain
from pac_grants.rules.ruleset import Ruleset
from pac_grants.rules.types import Assessment, Commune

_ENCODE = json.JSONEncoder(separators=(",", ":"), default=_plain).encode


def _commune_text(code: object, population: object, participating: object) -> str:
    """``json.dumps([code, population, participating], separators=(",", ":"),
    default=_plain)``, written directly for the plain types."""
    if type(code) is str and type(population) is int and type(participating) is bool:
        return f"[{quoted(code)},{population},{'true' if participating else 'false'}]"
    return str(_ENCODE([code, population, participating]))


def _assessment_text(code: object, event_id: object, revision: object) -> str:
    if type(code) is str and type(event_id) is str and type(revision) is int:
        return f"[{quoted(code)},{quoted(event_id)},{revision}]"
    return str(_ENCODE([code, event_id, revision]))


class _Rows:
    """Fragments by key, in the digest's order: by key alone, or by (row, key)."""

    def __init__(self, rows: dict[str, tuple[tuple[Any, ...], str]], by_key: bool) -> None:
        self.rows = rows  # key -> row, fragment; in order while ``pristine``
        self.by_key = by_key
        self.order: list[Any] = []
        self.text: str | None = None
        self.pristine = by_key and list(rows) == sorted(rows)
        self._sort()

    def _sort(self) -> None:
        self.order = list(self.rows) if self.pristine else sorted(self.rows) if \
            self.by_key else sorted((row, key) for key, (row, _text) in self.rows.items())
        self.text = None

    def _position(self, key: str, row: tuple[Any, ...]) -> Any:
        return key if self.by_key else (row, key)

    def put(self, key: str, row: tuple[Any, ...] | None, fragment: str = "") -> None:
        self.pristine = False
        old = self.rows.pop(key, None)
        if old is not None:
            del self.order[bisect_left(self.order, self._position(key, old[0]))]
        if row is not None:
            if self.by_key and row[0] != key:  # no longer sorted by key alone
                self.rows[key], self.by_key = (row, fragment), False
                self._sort()
                return
            self.rows[key] = (row, fragment)
            insort(self.order, self._position(key, row))
        self.text = None

    def joined(self) -> str:
        if self.text is None and self.pristine:  # straight through, in memory order
            self.text = ",".join([text for _row, text in self.rows.values()])
        if self.text is None:
            rows = self.rows
            keys = self.order if self.by_key else [key for _row, key in self.order]
            self.text = ",".join([rows[key][1] for key in keys])
        return self.text


class InputsText:
    """The communes' and assessments' fragments of the inputs digest."""

    def __init__(self, census: int, communes: Mapping[str, Commune],
                 assessments: Mapping[str, Assessment]) -> None:
        self.census = census
        self.communes = _Rows({code: self._commune(communes[code])
                               for code in sorted(communes)}, by_key=True)
        rows = {key: self._assessment(assessments[key]) for key in sorted(assessments)}
        self.assessments = _Rows(rows, all(key == row[0] for key, (row, _t) in rows.items()))

    def _commune(self, commune: Commune) -> tuple[tuple[Any, ...], str]:
        row = (commune.code, commune.population.get(self.census, 0), commune.participating)
        return row, _commune_text(*row)

    @staticmethod
    def _assessment(assessment: Assessment) -> tuple[tuple[Any, ...], str]:
        row = (assessment.commune_code, assessment.event_id, assessment.revision)
        return row, _assessment_text(*row)

    def set_commune(self, commune: Commune) -> None:
        self.communes.put(commune.code, *self._commune(commune))

    def set_assessment(self, key: str, assessment: Assessment | None) -> None:
        if assessment is None:
            self.assessments.put(key, None)
        else:
            self.assessments.put(key, *self._assessment(assessment))

    def digest(self, ruleset: Ruleset, pools: Mapping[str, int]) -> str:
        """``inputs_digest(ruleset, communes, assessments, pools)``."""
        pools_text = _ENCODE(dict(sorted(pools.items())))
        text = (f'{{"assessments":[{self.assessments.joined()}],'
                f'"communes":[{self.communes.joined()}],'
                f'"pools":{pools_text},"ruleset":{json.dumps(ruleset.digest)}}}')
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
