"""What the variant changes in the ruleset: its parameters, path by path.

Paths are those of ``--vary`` (list items by id: ``windows.standard.equal_share``), so a
person reads "windows.standard.equal_share 0.20 -> 0.35" and can sweep the same path.
Values are texts as the YAML would spell them; a parameter one side lacks is null.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from pac_grants.rules.ruleset import Indicator, Ruleset, Window


def changed(base: Ruleset, variant: Ruleset) -> list[dict[str, str | None]]:
    """Every parameter whose value differs, in the base's order then the variant's."""
    before, after = flat(base), flat(variant)
    paths = list(dict.fromkeys([*before, *after]))
    return [{"path": p, "base": before.get(p), "variant": after.get(p)}
            for p in paths if before.get(p) != after.get(p)]


def flat(ruleset: Ruleset) -> dict[str, str]:
    found = {"population_census": str(ruleset.population_census)}
    found |= {f"minimum_conditions.{c.id}": "required" for c in ruleset.conditions}
    for window in ruleset.windows:
        found |= _window(window)
    return found


def _window(window: Window) -> dict[str, str]:
    at = f"windows.{window.id}"
    found = {f"{at}.mode": window.mode, f"{at}.min_score": str(window.min_score),
             f"{at}.equal_share": decimal_text(window.equal_share)}
    values = {"membership.min_population": window.min_population,
              "membership.max_population": window.max_population,
              "cap.absolute_mad": window.cap_absolute_mad,
              "cap.investment_budget_ratio": window.cap_budget_ratio}
    found |= {f"{at}.{key}": _text(value) for key, value in values.items() if value is not None}
    for indicator in window.indicators:
        found |= _indicator(f"{at}.indicators.{indicator.id}", indicator)
    return found


def _indicator(at: str, indicator: Indicator) -> dict[str, str]:
    scoring = indicator.scoring
    found = {f"{at}.max_points": str(indicator.max_points), f"{at}.scoring.kind": scoring.kind}
    if scoring.kind == "bands":
        found[f"{at}.scoring.better"] = str(scoring.better)
        found[f"{at}.scoring.range"] = f"[{scoring.low}, {scoring.high}]"
        found[f"{at}.scoring.bands"] = ", ".join(f"{t}: {p}" for t, p in scoring.bands)
    return found


def _text(value: int | Fraction) -> str:
    return decimal_text(value) if isinstance(value, Fraction) else str(value)


def decimal_text(value: Fraction) -> str:
    """A ruleset's exact fraction as a decimal (``0.35``; a fraction if it has none)."""
    for places in range(31):
        scaled = value * 10**places
        if scaled.denominator == 1:
            return str(Decimal(scaled.numerator).scaleb(-places))
    return str(value)
