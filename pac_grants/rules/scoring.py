"""Scoring an assessment against its window (docs/rules.md s2).

An assessment is checked before it is scored: a value of the wrong type, outside its
range, a missing or unknown condition or indicator makes it invalid, with the dead-letter
code of docs/events.md s9, never a score of 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pac_grants.rules.ruleset import Indicator, Ruleset, Window
from pac_grants.rules.types import Assessment


class BigJsonInt(Decimal):
    """A JSON integer too long for Python's int parser: still an integer, just huge."""


class AssessmentInvalid(ValueError):
    """Why an assessment cannot be scored: a dead-letter code, a sentence, the field."""

    def __init__(self, code: str, message: str, field: str | None = None,
                 value: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.value = None if value is None else show(value)


def show(value: object) -> str:
    """A value as the person who sent it wrote it (JSON spelling for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Score:
    """Points of each indicator (window order), the failed conditions and the score."""

    points: Mapping[str, int]
    failed_conditions: tuple[str, ...]
    score: int


def check_assessment(ruleset: Ruleset, assessment: Assessment, window_id: str | None) -> None:
    """Raise :class:`AssessmentInvalid` unless the assessment can be scored in the window.

    With ``window_id`` None (the commune is not known yet), the window is the one whose
    indicators the assessment names; it is checked again once the commune is known.
    """
    _check_conditions(ruleset, assessment.conditions)
    window = ruleset.window(window_id) if window_id else _likely_window(ruleset, assessment)
    if window is None:
        raise AssessmentInvalid("unknown_window", f"window {window_id!r} is not in {ruleset.id}",
                                "window", window_id)
    if window.mode == "mmc_only":
        return
    _check_indicators(window, assessment.indicators)
    if window.cap_budget_ratio is not None and assessment.investment_budget_mad is None:
        raise AssessmentInvalid(
            "schema_violation",
            f"investment_budget_mad is required in window {window.id!r} of {ruleset.id} "
            "(its cap depends on the investment budget)", "investment_budget_mad")


def score_assessment(ruleset: Ruleset, window: Window, assessment: Assessment) -> Score:
    """Points, failed conditions and score of a checked assessment (docs/rules.md s2)."""
    failed = tuple(c.id for c in ruleset.conditions if assessment.conditions[c.id] is not True)
    if window.mode == "mmc_only":
        return Score({}, failed, 100)
    points = {i.id: points_of(i, assessment.indicators[i.id]) for i in window.indicators}
    return Score(points, failed, sum(points.values()))


def points_of(indicator: Indicator, value: object) -> int:
    """Points of one valid indicator value (checked by :func:`check_assessment`)."""
    scoring = indicator.scoring
    if scoring.kind == "boolean":
        return indicator.max_points if value is True else 0
    if scoring.kind == "points":
        assert isinstance(value, int)
        return value
    number = exact(value)
    higher = scoring.better == "higher"
    for threshold, band_points in scoring.bands:
        if (threshold <= number) if higher else (threshold >= number):
            return band_points
    return 0


def exact(value: object) -> Decimal:
    """The exact decimal of a JSON number or decimal string: 0.7 is 7/10."""
    if isinstance(value, int):
        return Decimal(value)
    assert isinstance(value, Decimal | str)
    return Decimal(value)


def _likely_window(ruleset: Ruleset, assessment: Assessment) -> Window:
    """The window whose indicator ids best match the assessment's (exact match first)."""
    named = set(assessment.indicators)

    def mismatch(window: Window) -> int:
        if window.mode == "mmc_only":
            return 0 if not named else len(named) + 1
        return len(named ^ {i.id for i in window.indicators})

    return min(ruleset.windows, key=mismatch)


def _check_conditions(ruleset: Ruleset, conditions: Mapping[str, object]) -> None:
    known = [c.id for c in ruleset.conditions]
    for name in conditions:
        if name not in known:
            raise AssessmentInvalid("unknown_condition", f"condition {name} is not a minimum "
                                    f"condition of {ruleset.id} (known: {', '.join(known)})",
                                    f"conditions.{name}")
    for name in known:
        if name not in conditions:
            raise AssessmentInvalid("missing_condition", f"condition {name} is missing: every "
                                    f"minimum condition of {ruleset.id} needs true or false",
                                    f"conditions.{name}")
        if not isinstance(conditions[name], bool):
            raise AssessmentInvalid("invalid_value", f"condition {name}: "
                                    f"{show(conditions[name])} is not true or false",
                                    f"conditions.{name}", conditions[name])


def _check_indicators(window: Window, indicators: Mapping[str, object]) -> None:
    for name in indicators:
        if window.indicator(name) is None:
            raise AssessmentInvalid("unknown_indicator", f"indicator {name} is not an indicator "
                                    f"of window {window.id!r}", f"indicators.{name}")
    for indicator in window.indicators:
        if indicator.id not in indicators:
            raise AssessmentInvalid("missing_indicator", f"indicator {indicator.id} is missing "
                                    f"(window {window.id!r} needs all its indicators)",
                                    f"indicators.{indicator.id}")
        _check_value(indicator, indicators[indicator.id])


def _check_value(indicator: Indicator, value: object) -> None:
    field = f"indicators.{indicator.id}"
    kind = indicator.scoring.kind
    if kind == "boolean" and not isinstance(value, bool):
        raise AssessmentInvalid("invalid_value", f"indicator {indicator.id}: {show(value)} is "
                                "not true or false", field, value)
    if kind == "points":
        _check_points(indicator, value, field)
    if kind == "bands":
        _check_band_value(indicator, value, field)


def _check_points(indicator: Indicator, value: object, field: str) -> None:
    whole = isinstance(value, int | BigJsonInt) and not isinstance(value, bool)
    if not whole:
        raise AssessmentInvalid("invalid_value", f"indicator {indicator.id}: {show(value)} is "
                                "not a whole number of points", field, value)
    if not 0 <= value <= indicator.max_points:  # type: ignore[operator]
        raise AssessmentInvalid("value_out_of_range", f"indicator {indicator.id}: {show(value)} "
                                f"is outside [0, {indicator.max_points}]", field, value)


def _check_band_value(indicator: Indicator, value: object, field: str) -> None:
    number = None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip()) if value.strip() == value else None
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite():
        raise AssessmentInvalid("invalid_value", f"indicator {indicator.id}: {show(value)} is "
                                "not a number", field, value)
    low, high = indicator.scoring.low, indicator.scoring.high
    assert low is not None and high is not None
    if not low <= number <= high:
        raise AssessmentInvalid("value_out_of_range", f"indicator {indicator.id}: {show(value)} "
                                f"is outside [{low}, {high}]", field, value)
