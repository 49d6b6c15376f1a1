"""Rulesets (docs/rules.md s1): YAML data that program officers edit, loaded and validated here.

A ruleset that is wrong (unknown or missing keys, indicator points not summing to 100,
overlapping window memberships, ...) is refused at load time with a :class:`RulesetError`
naming the file and the offending key, never discovered halfway through an allocation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from pac_grants.rules.parse import Where, decimal_of, integer_of, keys_of, optional_integer
from pac_grants.rules.payment import Payment, parse_payment

PACKAGED_DIR = "data/rulesets"


class RulesetError(ValueError):
    """A ruleset file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Scoring:
    """How an indicator's value becomes points (docs/rules.md s2)."""

    kind: Literal["boolean", "points", "bands"]
    better: Literal["higher", "lower"] | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    bands: tuple[tuple[Decimal, int], ...] = ()


@dataclass(frozen=True)
class Indicator:
    id: str
    max_points: int
    scoring: Scoring
    area: str | None = None
    label_fr: str | None = None
    label_ar: str | None = None


@dataclass(frozen=True)
class Condition:
    id: str
    label_fr: str | None = None
    label_ar: str | None = None


@dataclass(frozen=True)
class Window:
    """A window of a cycle: its membership, mode, eligibility threshold, formula and caps."""

    id: str
    mode: Literal["performance", "mmc_only"]
    min_score: int
    equal_share: Fraction
    min_population: int | None
    max_population: int | None
    cap_absolute_mad: int | None
    cap_budget_ratio: Fraction | None
    indicators: tuple[Indicator, ...]

    def contains(self, population: int) -> bool:
        """Membership is inclusive at both ends; a missing bound is unbounded."""
        low_ok = self.min_population is None or population >= self.min_population
        return low_ok and (self.max_population is None or population <= self.max_population)

    def indicator(self, indicator_id: str) -> Indicator | None:
        return self._by_id.get(indicator_id)

    @cached_property
    def _by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}


@dataclass(frozen=True)
class Ruleset:
    id: str
    version: int
    cycle: int
    grant_year: int
    currency: str
    population_census: int
    conditions: tuple[Condition, ...]
    windows: tuple[Window, ...]
    digest: str
    payment: Payment = field(default_factory=Payment)
    #: The canonical JSON of the file's content (what ``digest`` hashes): stored with a
    #: cycle when it opens, so the cycle keeps its rules whatever the package ships later.
    document: str = field(default="", repr=False, compare=False)

    def window(self, window_id: str) -> Window | None:
        return next((w for w in self.windows if w.id == window_id), None)

    def window_of(self, population: int) -> Window | None:
        """The window a commune of this census population belongs to (at most one)."""
        return next((w for w in self.windows if w.contains(population)), None)


def canonical_document(data: Mapping[str, Any]) -> str:
    """The canonical JSON of a ruleset's content: keys sorted, no whitespace, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest_of(data: Mapping[str, Any]) -> str:
    """``sha256:`` + hex SHA-256 of the canonical JSON (keys sorted, no whitespace, UTF-8)."""
    return "sha256:" + hashlib.sha256(canonical_document(data).encode("utf-8")).hexdigest()


def load_ruleset(source: str | Path) -> Ruleset:
    """Load a ruleset from a file path, or a packaged one by id (``papc-2021``)."""
    path = Path(source)
    if not path.suffix and not path.exists():
        return packaged_ruleset_by_id(str(source))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesetError(f"{path}: cannot read the ruleset: {exc.strerror}") from exc
    return parse_ruleset(text, str(path))


def parse_ruleset(text: str, name: str) -> Ruleset:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesetError(f"{name}: not valid YAML: {exc}") from exc
    try:
        return _build(data, Where(name))
    except ValueError as exc:
        raise RulesetError(str(exc)) from exc


def packaged_ids() -> dict[str, str]:
    """Ids of the rulesets shipped with the package, mapped to their file names."""
    folder = resources.files("pac_grants").joinpath(PACKAGED_DIR)
    names = [p.name for p in folder.iterdir() if p.name.endswith(".yaml")]
    return {name.removesuffix(".yaml"): name for name in names}


@cache
def packaged_ruleset_by_id(ruleset_id: str) -> Ruleset:
    name = packaged_ids().get(ruleset_id)
    if name is None:
        known = ", ".join(sorted(packaged_ids()))
        raise RulesetError(f"no packaged ruleset {ruleset_id!r} (known: {known})")
    text = resources.files("pac_grants").joinpath(PACKAGED_DIR, name).read_text(encoding="utf-8")
    return parse_ruleset(text, f"packaged ruleset {name}")


@cache
def packaged_ruleset(cycle: int) -> Ruleset | None:
    """The packaged ruleset of a cycle, or None when the calculator ships none for it."""
    for ruleset_id in sorted(packaged_ids()):
        ruleset = packaged_ruleset_by_id(ruleset_id)
        if ruleset.cycle == cycle:
            return ruleset
    return None


_TOP_REQUIRED = {"id", "version", "cycle", "grant_year", "currency", "population_census",
                 "minimum_conditions", "windows"}
_CENSUSES = (2014, 2024)


def _build(data: object, at: Where) -> Ruleset:
    keys_of(data, at, required=_TOP_REQUIRED, optional={"payment"})
    assert isinstance(data, dict)
    census = integer_of(data["population_census"], at / "population_census")
    if census not in _CENSUSES:
        raise at.error("population_census", f"must be one of {_CENSUSES}, not {census}")
    conditions = _conditions(data["minimum_conditions"], at / "minimum_conditions")
    windows = _windows(data["windows"], at / "windows")
    return Ruleset(
        id=_text(data["id"], at / "id"),
        version=integer_of(data["version"], at / "version"),
        cycle=integer_of(data["cycle"], at / "cycle"),
        grant_year=integer_of(data["grant_year"], at / "grant_year"),
        currency=_text(data["currency"], at / "currency"),
        population_census=census,
        conditions=conditions,
        windows=windows,
        digest=digest_of(data),
        payment=parse_payment(data.get("payment"), at / "payment"),
        document=canonical_document(data),
    )


def _text(value: object, at: Where) -> str:
    if not isinstance(value, str) or not value:
        raise at.error(None, "must be a non-empty string")
    return value


def _unique(ids: list[str], at: Where, what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise at.error(None, f"duplicate {what} id {item!r}")
        seen.add(item)


def _conditions(value: object, at: Where) -> tuple[Condition, ...]:
    if not isinstance(value, list) or not value:
        raise at.error(None, "must be a non-empty list of conditions")
    result = []
    for n, item in enumerate(value):
        here = at / str(n)
        keys_of(item, here, required={"id"}, optional={"label_fr", "label_ar", "reference"})
        assert isinstance(item, dict)
        result.append(Condition(_text(item["id"], here / "id"), item.get("label_fr"),
                                item.get("label_ar")))
    _unique([c.id for c in result], at, "condition")
    return tuple(result)


_WINDOW_REQUIRED = {"id", "mode", "min_score", "equal_share", "cap"}
_WINDOW_OPTIONAL = {"membership", "indicators", "label_fr", "label_ar"}


def _windows(value: object, at: Where) -> tuple[Window, ...]:
    if not isinstance(value, list) or not value:
        raise at.error(None, "must be a non-empty list of windows")
    windows = tuple(_window(item, at / str(n)) for n, item in enumerate(value))
    _unique([w.id for w in windows], at, "window")
    for n, first in enumerate(windows):
        for second in windows[n + 1:]:
            low = max(first.min_population or 0, second.min_population or 0)
            highs = [h for h in (first.max_population, second.max_population) if h is not None]
            if not highs or low <= min(highs):
                raise at.error(None, f"memberships of windows {first.id!r} and {second.id!r} "
                               "overlap: a commune must belong to at most one window")
    return windows


def _window(item: object, at: Where) -> Window:
    keys_of(item, at, required=_WINDOW_REQUIRED, optional=_WINDOW_OPTIONAL)
    assert isinstance(item, dict)
    mode = item["mode"]
    if mode not in ("performance", "mmc_only"):
        raise at.error("mode", f"must be 'performance' or 'mmc_only', not {mode!r}")
    share = decimal_of(item["equal_share"], at / "equal_share")
    if not 0 <= share <= 1:
        raise at.error("equal_share", f"must be in [0, 1], not {share}")
    min_score = integer_of(item["min_score"], at / "min_score")
    if not 0 <= min_score <= 100:
        raise at.error("min_score", f"must be in [0, 100], not {min_score}")
    low, high = _membership(item.get("membership"), at / "membership")
    absolute, ratio = _cap(item["cap"], at / "cap")
    indicators: tuple[Indicator, ...] = ()
    if mode == "performance":
        indicators = _indicators(item.get("indicators"), at / "indicators")
    return Window(
        id=_text(item["id"], at / "id"), mode=mode, min_score=min_score,
        equal_share=Fraction(share), min_population=low, max_population=high,
        cap_absolute_mad=absolute, cap_budget_ratio=ratio, indicators=indicators,
    )


def _membership(value: object, at: Where) -> tuple[int | None, int | None]:
    if value is None:
        return None, None
    keys_of(value, at, required=set(), optional={"min_population", "max_population"})
    assert isinstance(value, dict)
    low = optional_integer(value.get("min_population"), at / "min_population")
    high = optional_integer(value.get("max_population"), at / "max_population")
    if low is not None and high is not None and low > high:
        raise at.error(None, f"min_population {low} is above max_population {high}")
    return low, high


def _cap(value: object, at: Where) -> tuple[int | None, Fraction | None]:
    if value is None:
        return None, None
    keys_of(value, at, required=set(), optional={"absolute_mad", "investment_budget_ratio"})
    assert isinstance(value, dict)
    absolute = optional_integer(value.get("absolute_mad"), at / "absolute_mad")
    raw_ratio = value.get("investment_budget_ratio")
    ratio = None if raw_ratio is None else decimal_of(raw_ratio, at / "investment_budget_ratio")
    if ratio is not None and ratio < 0:
        raise at.error("investment_budget_ratio", "must not be negative")
    return absolute, None if ratio is None else Fraction(ratio)


def _indicators(value: object, at: Where) -> tuple[Indicator, ...]:
    if not isinstance(value, list) or not value:
        raise at.error(None, "a performance window needs a non-empty list of indicators")
    indicators = tuple(_indicator(item, at / str(n)) for n, item in enumerate(value))
    _unique([i.id for i in indicators], at, "indicator")
    total = sum(i.max_points for i in indicators)
    if total != 100:
        raise at.error(None, f"indicator max_points sum to {total}, not 100")
    return indicators


def _indicator(item: object, at: Where) -> Indicator:
    keys_of(item, at, required={"id", "max_points", "scoring"},
            optional={"area", "label_fr", "label_ar", "reference"})
    assert isinstance(item, dict)
    max_points = integer_of(item["max_points"], at / "max_points")
    if max_points < 0:
        raise at.error("max_points", "must not be negative")
    scoring = _scoring(item["scoring"], at / "scoring", max_points)
    return Indicator(_text(item["id"], at / "id"), max_points, scoring,
                     item.get("area"), item.get("label_fr"), item.get("label_ar"))


def _scoring(value: object, at: Where, max_points: int) -> Scoring:
    if not isinstance(value, dict) or value.get("kind") not in ("boolean", "points", "bands"):
        raise at.error("kind", "must be one of 'boolean', 'points', 'bands'")
    if value["kind"] != "bands":
        keys_of(value, at, required={"kind"}, optional=set())
        return Scoring(kind=value["kind"])
    keys_of(value, at, required={"kind", "better", "range", "bands"}, optional=set())
    if value["better"] not in ("higher", "lower"):
        raise at.error("better", "must be 'higher' or 'lower'")
    bounds = value["range"]
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise at.error("range", "must be a list [low, high]")
    low, high = (decimal_of(b, at / "range") for b in bounds)
    if low > high:
        raise at.error("range", f"low {low} is above high {high}")
    bands = _bands(value["bands"], at / "bands", max_points)
    return Scoring("bands", value["better"], low, high, bands)


def _bands(value: object, at: Where, max_points: int) -> tuple[tuple[Decimal, int], ...]:
    if not isinstance(value, list) or not value:
        raise at.error(None, "must be a non-empty list of [threshold, points]")
    bands = []
    for n, band in enumerate(value):
        if not isinstance(band, list) or len(band) != 2:
            raise at.error(str(n), "each band is [threshold, points]")
        points = integer_of(band[1], at / str(n))
        if not 0 <= points <= max_points:
            raise at.error(str(n), f"points {points} outside [0, max_points={max_points}]")
        bands.append((decimal_of(band[0], at / str(n)), points))
    return tuple(bands)


@cache
def stored_ruleset(document: str) -> Ruleset:
    """A ruleset from the canonical JSON stored with a cycle (JSON is YAML)."""
    return parse_ruleset(document, "the ruleset stored with the cycle")
