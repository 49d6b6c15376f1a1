"""``engine.inputs_digest`` kept up to date: each input's JSON fragment written once.

The inputs digest identifies what a result was computed from; ``inputs_digest`` writes
the canonical JSON of every commune and assessment each time (5 ms at 1,503 communes,
more than the allocation itself). Here each commune's and assessment's fragment is
written when it changes and kept in the digest's order (sorted, as ``inputs_digest``
sorts them), and the digest joins them: the same text, so the same digest
(tests/unit/test_book.py compares after every change).
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


def _commune(code: object, population: object, participating: object) -> str:
    """``json.dumps([code, population, participating], separators=(",", ":"),
    default=_plain)``, written directly for the plain types."""
    if type(code) is str and type(population) is int and type(participating) is bool:
        return f"[{quoted(code)},{population},{'true' if participating else 'false'}]"
    return str(_ENCODE([code, population, participating]))


def _assessment(code: object, event_id: object, revision: object) -> str:
    if type(code) is str and type(event_id) is str and type(revision) is int:
        return f"[{quoted(code)},{quoted(event_id)},{revision}]"
    return str(_ENCODE([code, event_id, revision]))


class _Sorted:
    """Fragments by key, and the keys in the digest's order."""

    def __init__(self) -> None:
        self.fragments: dict[str, tuple[Any, str]] = {}  # key -> sort key, fragment
        self.order: list[Any] = []  # sort keys, sorted
        self.by_order: dict[Any, str] = {}
        self.text: str | None = None

    def load(self, rows: list[tuple[str, Any, str]]) -> None:
        """Many at once (key, sort key, fragment), sorted once."""
        for key, order, fragment in rows:
            self.fragments[key] = (order, fragment)
            self.by_order[order] = fragment
        self.order = sorted(self.by_order)
        self.text = None

    def put(self, key: str, order: Any | None, fragment: str = "") -> None:
        old = self.fragments.pop(key, None)
        if old is not None:
            del self.order[bisect_left(self.order, old[0])]
            del self.by_order[old[0]]
        if order is not None:
            self.fragments[key] = (order, fragment)
            insort(self.order, order)
            self.by_order[order] = fragment
        self.text = None

    def joined(self) -> str:
        if self.text is None:
            self.text = ",".join(self.by_order[order] for order in self.order)
        return self.text


class InputsText:
    """The communes' and assessments' fragments of the inputs digest."""

    def __init__(self, census: int, communes: Mapping[str, Commune],
                 assessments: Mapping[str, Assessment]) -> None:
        self.census = census
        self.communes = _Sorted()
        self.communes.load([(code, (code,), _commune(code, c.population.get(census, 0),
                                                     c.participating))
                            for code, c in communes.items()])
        self.assessments = _Sorted()
        self.assessments.load([(key, *self._row(key, a)) for key, a in assessments.items()])

    def set_commune(self, commune: Commune) -> None:
        population = commune.population.get(self.census, 0)
        self.communes.put(commune.code, (commune.code,),
                          _commune(commune.code, population, commune.participating))

    def set_assessment(self, key: str, assessment: Assessment | None) -> None:
        if assessment is None:
            self.assessments.put(key, None)
            return
        self.assessments.put(key, *self._row(key, assessment))

    @staticmethod
    def _row(key: str, assessment: Assessment) -> tuple[tuple[Any, ...], str]:
        row = (assessment.commune_code, assessment.event_id, assessment.revision, key)
        return row, _assessment(*row[:3])

    def digest(self, ruleset: Ruleset, pools: Mapping[str, int]) -> str:
        """``inputs_digest(ruleset, communes, assessments, pools)``."""
        pools_text = _ENCODE(dict(sorted(pools.items())))
        text = (f'{{"assessments":[{self.assessments.joined()}],'
                f'"communes":[{self.communes.joined()}],'
                f'"pools":{pools_text},"ruleset":{json.dumps(ruleset.digest)}}}')
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
