"""Drawing the values of an assessment's conditions and indicators (docs/rules.md s2).

Each draw is driven by a commune's ``quality`` in [0, 1]: higher quality, better values,
so most communes pass and scores spread. Band indicators cover every band, the
no-band region and, about one value in five, a band threshold or range end exactly,
written with the ruleset's own decimal text (``0.7``, ``1.0``); a few are sent as
decimal strings, which docs/rules.md s2 allows.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from functools import cache
from typing import Any

from pac_grants.rules.ruleset import Indicator, Ruleset, Window

#: Share of assessments with one failed minimum condition (the brief: about 8%).
FAILED_CONDITION_RATE = 0.08
_EDGE_RATE = 0.2
_STRING_RATE = 0.02


def conditions(ruleset: Ruleset, rng: random.Random, *, passing: bool = False) -> dict[str, bool]:
    """All true, except (unless ``passing``) one false in about 8% of assessments."""
    values = {c.id: True for c in ruleset.conditions}
    if not passing and rng.random() < FAILED_CONDITION_RATE:
        values[rng.choice(list(values))] = False
    return values


class Draws:
    """The generator's state for values: its random source and, per indicator, whose turn
    it is among the band edges. The first values of each indicator are its edges, then
    edges come in rotation: every edge, hence every band, appears even in a window of ten
    communes (2024 grandes_communes)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.turns: dict[str, int] = {}

    def edge(self, key: str, edges: tuple[Decimal, ...]) -> Decimal:
        turn = self.turns.get(key, 0)
        self.turns[key] = turn + 1
        return edges[turn % len(edges)]


def indicators(window: Window, quality: float, draws: Draws) -> dict[str, Any]:
    """A value for every indicator of the window (none in ``mmc_only`` mode)."""
    if window.mode == "mmc_only":
        return {}
    return {i.id: _value(i, quality, draws, window.id) for i in window.indicators}


def _value(indicator: Indicator, quality: float, draws: Draws, window_id: str) -> Any:
    rng, kind = draws.rng, indicator.scoring.kind
    if kind == "boolean":
        return rng.random() < 0.3 + 0.65 * quality
    target = min(1.0, max(0.0, rng.gauss(quality, 0.25)))
    if kind == "points":
        return round(target * indicator.max_points)
    edges, segments = _layout(indicator)
    key = f"{window_id}.{indicator.id}"
    if draws.turns.get(key, 0) < len(edges) or rng.random() < _EDGE_RATE:
        value = draws.edge(key, edges)
    else:
        value = _band_value(indicator, segments, target, rng)
    return format(value, "f") if rng.random() < _STRING_RATE else value


def _band_value(indicator: Indicator, segments: tuple[tuple[int, int], ...], target: float,
                rng: random.Random) -> Decimal:
    """A decimal inside one segment between consecutive marks, chosen by ``target``."""
    index = min(len(segments) - 1, int(target * len(segments)))
    if indicator.scoring.better == "lower":
        index = len(segments) - 1 - index
    low, high = segments[index]
    return _thousandths(low + int(rng.random() * (high - low + 1)))


@cache
def _layout(indicator: Indicator) -> tuple[tuple[Decimal, ...], tuple[tuple[int, int], ...]]:
    """Edges (thresholds with the ruleset's own text, range ends) and segments between
    consecutive marks, in thousandths, ascending."""
    scoring = indicator.scoring
    assert scoring.low is not None and scoring.high is not None
    thresholds = [t for t, _ in scoring.bands if scoring.low <= t <= scoring.high]
    marks = sorted({int(m * 1000) for m in (scoring.low, scoring.high, *thresholds)})
    # keep wide segments (G2: up to +1000% growth) within 1 of their lower mark
    segments = tuple((low, min(high, low + 1000)) for low, high in itertools.pairwise(marks))
    return (*thresholds, scoring.low, scoring.high), segments


@cache
def _thousandths(count: int) -> Decimal:
    """``count`` thousandths, with no trailing zeros and no exponent (0.7, 1, 0.125)."""
    value = Decimal(count) / 1000
    return value.quantize(1) if value == value.to_integral_value() else value.normalize()


def budget(population: int, rng: random.Random) -> int:
    """An investment budget in whole MAD, 250 to 1,200 MAD per inhabitant.

    With the demo pools, the budget cap (docs/rules.md s4) binds for a few communes only.
    """
    return int(round(population * rng.uniform(250, 1200), -3))
