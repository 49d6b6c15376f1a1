"""Why a commune got its amount (docs/rules.md s7), as plain JSON-ready data and as text."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from pac_grants.rules.engine import CommuneResult, CycleResult, WindowResult
from pac_grants.rules.scoring import show


def decimal_text(value: Fraction, places: int = 6) -> str:
    """A rational as a decimal string rounded to ``places`` (display only, never summed)."""
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def explain(result: CycleResult, code: str) -> dict[str, Any] | None:
    """Every step from the assessment to the amount, or None for an unregistered commune."""
    window = next((w for w in result.windows for c in w.communes if c.code == code), None)
    if window is None:
        return None
    commune = next(c for c in window.communes if c.code == code)
    ruleset = result.ruleset
    return {
        "cycle": result.cycle,
        "commune": {"code": code, "name_fr": commune.commune.name_fr,
                    "name_ar": commune.commune.name_ar},
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest},
        "inputs_digest": result.inputs_digest,
        "window": commune.window,
        "population": {"census": ruleset.population_census, "value": commune.population,
                       "participating": commune.commune.participating},
        "assessment": _assessment(commune),
        "conditions": _conditions(result, commune),
        "indicators": _indicators(window, commune),
        "score": commune.score,
        "min_score": window.window.min_score,
        "eligible": commune.eligible,
        "reasons": list(commune.standing.reasons),
        "failed_conditions": list(commune.standing.failed_conditions),
        "formula": _formula(window, commune),
        "amount": commune.amount,
        "summary": summary(window, commune),
    }


def _assessment(commune: CommuneResult) -> dict[str, Any] | None:
    a = commune.assessment
    if a is None:
        return None
    budget = None if a.investment_budget_mad is None else str(a.investment_budget_mad)
    return {"event_id": a.event_id, "assessment_id": a.assessment_id, "revision": a.revision,
            "investment_budget_mad": budget}


def _conditions(result: CycleResult, commune: CommuneResult) -> list[dict[str, Any]]:
    given = commune.assessment.conditions if commune.assessment else {}
    return [{"id": c.id, "label_fr": c.label_fr, "label_ar": c.label_ar, "value": given.get(c.id)}
            for c in result.ruleset.conditions]


def _indicators(window: WindowResult, commune: CommuneResult) -> list[dict[str, Any]]:
    if commune.assessment is None or commune.standing.score is None:
        return []
    points = commune.standing.score.points
    return [{"id": i.id, "label_fr": i.label_fr, "label_ar": i.label_ar, "area": i.area,
             "value": show(commune.assessment.indicators[i.id]),
             "points": points[i.id], "max_points": i.max_points}
            for i in window.window.indicators]


def _formula(window: WindowResult, commune: CommuneResult) -> dict[str, Any]:
    share = commune.share
    total = sum(c.weight for c in window.communes if c.eligible)
    return {
        "pool": window.pool,
        "equal_share": str(window.window.equal_share),
        "eligible_communes": window.eligible_count,
        "weight": commune.weight,
        "total_weight": total,
        "cap": commune.cap,
        "capped": bool(share and share.capped),
        "cap_round": share.cap_round if share else None,
        "ideal_amount": decimal_text(share.ideal) if share else "0",
        "ideal_amount_exact": str(share.ideal) if share else "0",
        "rounded_up": bool(share and share.rounded_up),
        "rounds": window.rounds,
    }


def summary(window: WindowResult, commune: CommuneResult) -> str:
    """One sentence a finance officer can read."""
    if not commune.eligible:
        reasons = ", ".join(commune.standing.reasons)
        failed = commune.standing.failed_conditions
        extra = f" (failed: {', '.join(failed)})" if failed else ""
        return f"Not eligible in this cycle: {reasons}{extra}; grant 0 MAD."
    share = commune.share
    assert share is not None
    if share.capped:
        return (f"Eligible with score {commune.score}; its share "
                f"{decimal_text(share.ideal, 2)} MAD exceeded its cap in round "
                f"{share.cap_round}, so it receives the cap {commune.amount:,} MAD.")
    bump = " plus 1 MAD from largest-remainder rounding" if share.rounded_up else ""
    return (f"Eligible with score {commune.score}; ideal share {decimal_text(share.ideal, 2)} "
            f"MAD, rounded down to whole dirhams{bump}: {commune.amount:,} MAD.")
