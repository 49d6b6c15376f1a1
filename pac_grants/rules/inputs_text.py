"""``engine.inputs_digest`` kept up to date: each input's JSON fragment written once.

The inputs digest identifies what a result was computed from; ``inputs_digest`` writes
the canonical JSON of every commune and assessment each time (5 ms at 1,503 communes,
more than the allocation itself). Here each commune's and assessment's fragment is
written when it changes, and the digest joins them in order: the same text, so the same
digest (tests/unit/test_book.py compares).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pac_grants.rules.engine import _plain
from pac_grants.rules.ruleset import Ruleset
from pac_grants.rules.types import Assessment, Commune


def _fragment(value: list[Any]) -> str:
    return json.dumps(value, separators=(",", ":"), default=_plain)


class InputsText:
    """The communes' and assessments' fragments of the inputs digest, by key."""

    def __init__(self, census: int) -> None:
        self.census = census
        self.communes: dict[str, str] = {}
        self.assessments: dict[str, tuple[tuple[Any, ...], str]] = {}  # sort key, fragment
        self._communes_text: str | None = None

    def set_commune(self, commune: Commune) -> None:
        self.communes[commune.code] = _fragment(
            [commune.code, commune.population.get(self.census, 0), commune.participating])
        self._communes_text = None

    def set_assessment(self, key: str, assessment: Assessment | None) -> None:
        if assessment is None:
            self.assessments.pop(key, None)
            return
        row = [assessment.commune_code, assessment.event_id, assessment.revision]
        self.assessments[key] = (tuple(row), _fragment(row))

    def digest(self, ruleset: Ruleset, pools: Mapping[str, int]) -> str:
        """``inputs_digest(ruleset, communes, assessments, pools)``."""
        if self._communes_text is None:
            self._communes_text = ",".join(self.communes[code] for code in sorted(self.communes))
        assessments = ",".join(text for _key, text in sorted(self.assessments.values()))
        pools_text = json.dumps(dict(pools), sort_keys=True, separators=(",", ":"),
                                default=_plain)
        text = (f'{{"assessments":[{assessments}],"communes":[{self._communes_text}],'
                f'"pools":{pools_text},"ruleset":{json.dumps(ruleset.digest)}}}')
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
