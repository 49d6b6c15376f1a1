"""Frozen plain values the engine takes (typed messages at the edge, plain values inside)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

#: An indicator value as read from JSON: a boolean, an integer, an exact decimal or a
#: decimal string (docs/rules.md s2). Never a float.
IndicatorValue = bool | int | Decimal | str


def _frozen(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Commune:
    """A registered commune (``CommuneRegistered``, docs/events.md s3.1; the communes CSV)."""

    code: str
    name_fr: str
    name_ar: str
    region: str
    province: str
    population: Mapping[int, int]
    participating: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "population", _frozen(self.population))


@dataclass(frozen=True)
class Assessment:
    """One revision of a commune's assessment for one cycle (``AssessmentSubmitted``)."""

    event_id: str
    assessment_id: str
    cycle: int
    commune_code: str
    revision: int
    conditions: Mapping[str, object]
    indicators: Mapping[str, object] = field(default_factory=dict)
    investment_budget_mad: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", _frozen(self.conditions))
        object.__setattr__(self, "indicators", _frozen(self.indicators))
