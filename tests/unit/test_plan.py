"""The compiled ruleset (pac_grants/rules/plan.py) against the reference functions.

The plan answers as ``check_assessment`` / ``score_assessment`` / ``Ruleset.window_of``
do, and declines (None) only what the reference refuses.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pac_grants.rules.plan import certainly_valid, failed_conditions, plan_of, score
from pac_grants.rules.scoring import AssessmentInvalid, check_assessment, score_assessment
from pac_grants.rules.types import Assessment
from tests.unit.decode_strategies import ODD_RULESET, assessments, ruleset_for


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=assessments(), window_n=st.integers(0, 2))
def test_plan_scores_as_the_reference(data: dict[str, Any], window_n: int) -> None:
    cycle = data.get("cycle")
    ruleset = ruleset_for(cycle) if isinstance(cycle, int) else None
    conditions, indicators = data.get("conditions"), data.get("indicators", {})
    if ruleset is None or not isinstance(conditions, dict) or not isinstance(indicators, dict):
        return
    window = ruleset.windows[window_n % len(ruleset.windows)]
    assessment = Assessment("e", "a", ruleset.cycle, "c", 1, conditions, indicators,
                            data.get("investment_budget_mad"))
    plan = plan_of(ruleset)
    failed, value = failed_conditions(plan, conditions), score(plan.by_id[window.id], indicators)
    certain = certainly_valid(ruleset, assessment, window.id)
    try:
        check_assessment(ruleset, assessment, window.id)
    except AssessmentInvalid:
        assert not certain
        assert failed is None or value is None or (
            plan.by_id[window.id].needs_budget and assessment.investment_budget_mad is None)
        return
    assert certain  # a valid assessment has plain values: the plan answers
    reference = score_assessment(ruleset, window, assessment)
    assert failed == reference.failed_conditions  # a valid assessment is plain: answered
    assert value == reference.score


@given(population=st.integers(-1, 10_000))
def test_window_membership_as_the_ruleset(population: int) -> None:
    assert plan_of(ODD_RULESET).window_of(population) is ODD_RULESET.window_of(population)
