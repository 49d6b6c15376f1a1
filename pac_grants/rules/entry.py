"""What a commune's inputs make of it in a cycle: window, eligibility, score, weight, cap.

The same decisions as ``engine._place`` and ``eligibility.standing`` (docs/rules.md s3), made
with the compiled ruleset (``plan``) when the assessment is plainly valid, and with the
reference functions otherwise, so an invalid assessment keeps its exact error. The
``Standing`` the explanation needs (points per indicator) is built by the reference
``standing`` only when asked, once per entry.
"""

from __future__ import annotations

from pac_grants.rules.eligibility import Standing, standing
from pac_grants.rules.plan import RulesetPlan, failed_conditions, score
from pac_grants.rules.ruleset import Window
from pac_grants.rules.scoring import AssessmentInvalid, check_assessment, score_assessment
from pac_grants.rules.types import Assessment, Commune


class Entry:
    """One commune in one cycle; immutable once made (a change makes a new entry)."""

    __slots__ = ("_standing", "assessment", "cap", "commune", "counted", "error", "failed",
                 "plan", "population", "reasons", "score", "weight", "window")

    def __init__(self, plan: RulesetPlan, commune: Commune, population: int,
                 window: Window | None, assessment: Assessment | None,
                 counted: Assessment | None, error: AssessmentInvalid | None,
                 score: int | None, reasons: tuple[str, ...], failed: tuple[str, ...],
                 weight: int, cap: int | None) -> None:
        self.plan, self.commune, self.population, self.window = plan, commune, population, window
        self.assessment = assessment  # the one that counts for the commune, as given
        self.counted = counted  # the same, or None when it is invalid in the window
        self.error = error  # why it is invalid there
        self.score, self.reasons, self.weight, self.cap = score, reasons, weight, cap
        self.failed = failed  # the standing's failed conditions (reasons say which apply)
        self._standing: Standing | None = None

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def standing(self) -> Standing:
        """``eligibility.standing`` of the entry (with its points), computed once."""
        if self._standing is None:
            self._standing = standing(self.plan.ruleset, self.window, self.commune,
                                      self.counted)
        return self._standing


def entry_of(plan: RulesetPlan, commune: Commune, assessment: Assessment | None) -> Entry:
    ruleset = plan.ruleset
    population = commune.population.get(ruleset.population_census, 0)
    window = plan.window_of(population)
    counted: Assessment | None = assessment
    error: AssessmentInvalid | None = None
    value: int | None = None
    failed: tuple[str, ...] = ()
    if window is not None and assessment is not None:
        counted, error, value, failed = _scored(plan, window, assessment)
    cap = None if window is None else cap_of(window, counted)
    if not commune.participating:
        reasons: tuple[str, ...] = ("not_participating",)
    elif window is None:
        reasons = ("no_window",)
    elif counted is None or value is None:
        reasons = ("no_assessment",)
    else:
        reasons = (("failed_conditions",) if failed else ()) + (
            ("below_min_score",) if value < window.min_score else ())
        weight = population * value if not reasons else 0
        return Entry(plan, commune, population, window, assessment, counted, error, value,
                     reasons, failed, weight, cap)
    if window is None:
        value = None  # standing() scores only in a window
    return Entry(plan, commune, population, window, assessment, counted, error, value,
                 reasons, (), 0, cap)


def _scored(plan: RulesetPlan, window: Window, assessment: Assessment
            ) -> tuple[Assessment | None, AssessmentInvalid | None, int | None, tuple[str, ...]]:
    """The assessment (None if invalid in the window), its error, score, failed conditions."""
    window_plan = plan.by_id[window.id]
    failed = failed_conditions(plan, assessment.conditions)
    value = None if failed is None else score(window_plan, assessment.indicators)
    budget_missing = window_plan.needs_budget and assessment.investment_budget_mad is None
    if failed is not None and value is not None and not budget_missing:
        return assessment, None, value, failed
    try:
        check_assessment(plan.ruleset, assessment, window.id)
    except AssessmentInvalid as exc:
        return None, exc, None, ()
    reference = score_assessment(plan.ruleset, window, assessment)
    return assessment, None, reference.score, reference.failed_conditions


def cap_of(window: Window, assessment: Assessment | None) -> int | None:
    """``engine.cap_of`` in integers: min(absolute_mad, floor(ratio x budget))."""
    caps = [] if window.cap_absolute_mad is None else [window.cap_absolute_mad]
    budget = assessment.investment_budget_mad if assessment else None
    ratio = window.cap_budget_ratio
    if ratio is not None and budget is not None:
        numerator, denominator = budget.as_integer_ratio()
        caps.append(ratio.numerator * numerator // (ratio.denominator * denominator))
    return min(caps) if caps else None
