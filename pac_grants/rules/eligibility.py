"""Eligibility of a commune in its window (docs/rules.md s3), with the reasons when it is not."""

from __future__ import annotations

from dataclasses import dataclass

from pac_grants.rules.ruleset import Ruleset, Window
from pac_grants.rules.scoring import Score, score_assessment
from pac_grants.rules.types import Assessment, Commune


@dataclass(frozen=True)
class Standing:
    """A commune's position in a window: its reasons (empty when eligible) and its score."""

    reasons: tuple[str, ...]
    failed_conditions: tuple[str, ...]
    score: Score | None

    @property
    def eligible(self) -> bool:
        return not self.reasons


def standing(ruleset: Ruleset, window: Window | None, commune: Commune,
             assessment: Assessment | None) -> Standing:
    """Reasons 1-3 are gates checked in order; reasons 4 and 5 can both apply (s3)."""
    score = None
    if window is not None and assessment is not None:
        score = score_assessment(ruleset, window, assessment)
    if not commune.participating:
        return Standing(("not_participating",), (), score)
    if window is None:
        return Standing(("no_window",), (), None)
    if assessment is None or score is None:
        return Standing(("no_assessment",), (), None)
    reasons = []
    if score.failed_conditions:
        reasons.append("failed_conditions")
    if score.score < window.min_score:
        reasons.append("below_min_score")
    return Standing(tuple(reasons), score.failed_conditions, score)
