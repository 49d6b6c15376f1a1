"""A ruleset compiled for the common case: is this assessment certainly valid, and its points.

``check_assessment`` and ``score_assessment`` (scoring.py) are the reference: they name
the first thing wrong, in the order docs/events.md s10 fixes. Most assessments have nothing
wrong, and for them that careful walk (a lookup, an ``isinstance`` chain and a message
ready per value) is most of the cost of decoding and of a full allocation. A plan
answers only "valid, with these points" or "ask the reference" (``None``): it accepts a
value only when it is of the one plain type the reference accepts without question, so
callers fall back to the reference for anything unusual and get its exact error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import itemgetter

from pac_grants.rules.ruleset import Indicator, Ruleset, Window
from pac_grants.rules.types import Assessment

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

Band = tuple[str, Decimal, Decimal, tuple[tuple[Decimal, int], ...], bool]


@dataclass(frozen=True)
class WindowPlan:
    """A window's indicators grouped by kind (a score is a sum: order does not matter)."""

    window: Window
    ids: frozenset[str]
    booleans: tuple[tuple[str, int], ...]  # id, max points
    points: tuple[tuple[str, int], ...]  # id, max points
    bands: tuple[Band, ...]  # id, range low and high, bands, higher is better
    needs_budget: bool  # a performance window whose cap depends on the budget
    colons: int  # ':' in its indicator ids (models.fast_decode counts them)

    @property
    def mmc_only(self) -> bool:
        return self.window.mode == "mmc_only"


@dataclass(frozen=True)
class RulesetPlan:
    ruleset: Ruleset
    conditions: tuple[str, ...]
    condition_ids: frozenset[str]
    windows: tuple[WindowPlan, ...]  # ruleset order
    by_id: Mapping[str, WindowPlan]
    usable: bool  # False when an id could not pass the event schema (then: reference only)
    colons: int  # ':' in its condition ids
    condition_types: tuple[type, ...]  # bool, once per condition
    condition_values: Callable[[Mapping[str, object]], tuple[object, ...]]
    memberships: tuple[tuple[int | None, int | None, Window], ...]

    def window_of(self, population: int) -> Window | None:
        """``Ruleset.window_of``: the first window whose membership holds the population."""
        for low, high, window in self.memberships:
            if (low is None or population >= low) and (high is None or population <= high):
                return window
        return None

    def likely(self, indicators: Mapping[str, object]) -> WindowPlan | None:
        """The window ``check_assessment`` picks without a commune (``_likely_window``),
        when it is certain: the first window whose indicators are exactly these."""
        for plan in self.windows:
            if plan.mmc_only:
                if not indicators:
                    return plan
            elif indicators.keys() == plan.ids:
                return plan
        return None


_PLANS: dict[int, RulesetPlan] = {}


def plan_of(ruleset: Ruleset) -> RulesetPlan:
    """The ruleset's plan, built once (rulesets are immutable; keyed by identity)."""
    found = _PLANS.get(id(ruleset))
    if found is None or found.ruleset is not ruleset:
        found = _PLANS[id(ruleset)] = _compile(ruleset)
    return found


def _compile(ruleset: Ruleset) -> RulesetPlan:
    windows = tuple(_window_plan(w) for w in ruleset.windows)
    ids = [c.id for c in ruleset.conditions] + [i.id for w in ruleset.windows
                                                for i in w.indicators]
    usable = all(1 <= len(i) <= 200 and not _CONTROL.search(i) for i in ids)
    return RulesetPlan(ruleset, tuple(c.id for c in ruleset.conditions),
                       frozenset(c.id for c in ruleset.conditions), windows,
                       {p.window.id: p for p in windows}, usable,
                       sum(c.id.count(":") for c in ruleset.conditions),
                       (bool,) * len(ruleset.conditions),
                       _values([c.id for c in ruleset.conditions]),
                       tuple((w.min_population, w.max_population, w) for w in ruleset.windows))


def _window_plan(window: Window) -> WindowPlan:
    def of(kind: str) -> list[Indicator]:
        return [i for i in window.indicators if i.scoring.kind == kind]

    bands = tuple((i.id, i.scoring.low, i.scoring.high, i.scoring.bands,
                   i.scoring.better == "higher") for i in of("bands"))
    return WindowPlan(window, frozenset(i.id for i in window.indicators),
                      tuple((i.id, i.max_points) for i in of("boolean")),
                      tuple((i.id, i.max_points) for i in of("points")),
                      bands,  # type: ignore[arg-type]  # low/high are set for bands
                      window.mode == "performance" and window.cap_budget_ratio is not None,
                      sum(i.id.count(":") for i in window.indicators))


def _values(keys: list[str]) -> Callable[[Mapping[str, object]], tuple[object, ...]]:
    """The values of ``keys`` as a tuple, read in C (``itemgetter``)."""
    if len(keys) == 1:
        return lambda mapping: (mapping[keys[0]],)
    return itemgetter(*keys)


def failed_conditions(plan: RulesetPlan, conditions: Mapping[str, object]
                      ) -> tuple[str, ...] | None:
    """The failed conditions (ruleset order) when every condition is a boolean, else None."""
    if not plan.usable or len(conditions) != len(plan.conditions):
        return None
    try:  # as many keys, all of the plan's: the same keys
        values = plan.condition_values(conditions)
    except KeyError:
        return None
    if tuple(map(type, values)) != plan.condition_types:
        return None
    if False not in values:  # all booleans: == is exact here
        return ()
    return tuple(c for c, value in zip(plan.conditions, values, strict=True) if not value)


def score(plan: WindowPlan, indicators: Mapping[str, object]) -> int | None:
    """The score when every value is certainly valid, else None: for an assessment that
    ``check_assessment`` accepts in the window, ``score_assessment``'s score."""
    if plan.mmc_only:
        return 100
    if len(indicators) != len(plan.ids):
        return None
    try:  # as many keys, all of the plan's: the same keys
        return _score(plan, indicators)
    except KeyError:
        return None


def _score(plan: WindowPlan, indicators: Mapping[str, object]) -> int | None:
    total = 0
    for key, max_points in plan.booleans:
        value = indicators[key]
        if value is True:
            total += max_points
        elif value is not False:
            return None
    for key, max_points in plan.points:
        value = indicators[key]
        if type(value) is not int or not 0 <= value <= max_points:
            return None
        total += value
    for key, low, high, bands, higher in plan.bands:
        number = indicators[key]
        kind_of = type(number)
        if kind_of is not int and (kind_of is not Decimal or not number.is_finite()):  # type: ignore[attr-defined]
            number = _band_number(number)
            if number is None:
                return None
        if not low <= number <= high:  # type: ignore[operator]
            return None
        if higher:  # _band_points, inline: this loop is most of a full allocation
            for threshold, band_points in bands:
                if threshold <= number:  # type: ignore[operator]
                    total += band_points
                    break
        else:
            for threshold, band_points in bands:
                if threshold >= number:  # type: ignore[operator]
                    total += band_points
                    break
    return total


def _band_number(value: object) -> int | Decimal | None:
    kind_of = type(value)
    if kind_of is int:
        return value  # type: ignore[return-value]
    if kind_of is Decimal:
        return value if value.is_finite() else None  # type: ignore[attr-defined,return-value]
    if kind_of is str and value == value.strip():  # type: ignore[attr-defined]
        try:
            number = Decimal(value)  # type: ignore[arg-type]
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def certainly_valid(ruleset: Ruleset, assessment: Assessment, window_id: str) -> bool:
    """True when ``check_assessment(ruleset, assessment, window_id)`` certainly passes
    (plain values, all in range); False means: ask ``check_assessment``, which names
    the error if there is one."""
    plan = plan_of(ruleset)
    window = plan.by_id.get(window_id)
    if window is None or failed_conditions(plan, assessment.conditions) is None:
        return False
    if score(window, assessment.indicators) is None:
        return False
    return not (window.needs_budget and assessment.investment_budget_mad is None)
