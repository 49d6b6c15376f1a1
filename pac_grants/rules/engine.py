"""A cycle's allocation: every window of the ruleset, every registered commune (docs/rules.md s3-4).

``compute_cycle`` is the single entry point used by ``pac-grants allocate``, the stream
worker and the tests. It is pure and deterministic: the same inputs, in any order, give
the same result and the same inputs digest.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor

from pac_grants.rules.allocation import Claim, Share, allocate
from pac_grants.rules.eligibility import Standing, standing
from pac_grants.rules.ruleset import Ruleset, Window
from pac_grants.rules.scoring import AssessmentInvalid, check_assessment
from pac_grants.rules.types import Assessment, Commune


@dataclass(frozen=True)
class CommuneResult:
    commune: Commune
    window: str | None
    standing: Standing
    assessment: Assessment | None
    population: int
    cap: int | None
    share: Share | None  # None when not eligible

    @property
    def code(self) -> str:
        return self.commune.code

    @property
    def eligible(self) -> bool:
        return self.standing.eligible

    @property
    def amount(self) -> int:
        return self.share.amount if self.share else 0

    @property
    def score(self) -> int | None:
        return self.standing.score.score if self.standing.score else None

    @property
    def weight(self) -> int:
        return self.population * (self.score or 0) if self.eligible else 0


@dataclass(frozen=True)
class WindowResult:
    window: Window
    pool: int
    unallocated: int
    communes: tuple[CommuneResult, ...]  # sorted by code
    rounds: int

    @property
    def allocated(self) -> int:
        return self.pool - self.unallocated

    @property
    def eligible_count(self) -> int:
        return sum(1 for c in self.communes if c.eligible)


@dataclass(frozen=True)
class CycleResult:
    ruleset: Ruleset
    windows: tuple[WindowResult, ...]
    held: tuple[Assessment, ...]  # assessments whose commune is not registered
    invalid: tuple[tuple[Assessment, AssessmentInvalid], ...]  # not valid in their window
    inputs_digest: str

    @property
    def cycle(self) -> int:
        return self.ruleset.cycle

    def commune(self, code: str) -> CommuneResult | None:
        return next((c for w in self.windows for c in w.communes if c.code == code), None)


class PoolError(ValueError):
    """Pools that do not match the ruleset's windows."""


def compute_cycle(ruleset: Ruleset, communes: Iterable[Commune],
                  assessments: Mapping[str, Assessment], pools: Mapping[str, int]
                  ) -> CycleResult:
    """Allocate every window's pool; ``assessments`` holds the counting one per commune.

    The cyclic garbage collector is paused meanwhile: the engine creates no reference
    cycles, and at 150,300 communes its generation-2 passes over the live inputs took
    about half the time (docs/operations.md s5, allocation scaling: near-linear).
    """
    with _cyclic_gc_paused():
        return _compute_cycle(ruleset, communes, assessments, pools)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compute_cycle(ruleset: Ruleset, communes: Iterable[Commune],
                   assessments: Mapping[str, Assessment], pools: Mapping[str, int]
                   ) -> CycleResult:
    _check_pools(ruleset, pools)
    registry = {c.code: c for c in communes}
    placed: dict[str, list[CommuneResult]] = {w.id: [] for w in ruleset.windows}
    invalid = []
    for code in sorted(registry):
        result, error = _place(ruleset, registry[code], assessments.get(code))
        if error is not None:
            invalid.append(error)
        targets = [result.window] if result.window else [w.id for w in ruleset.windows]
        for window_id in targets:
            placed[window_id].append(result)
    windows = tuple(_window_result(w, pools[w.id], placed[w.id]) for w in ruleset.windows)
    held = tuple(a for code, a in sorted(assessments.items()) if code not in registry)
    digest = inputs_digest(ruleset, registry.values(), assessments, pools)
    return CycleResult(ruleset, windows, held, tuple(invalid), digest)


def _check_pools(ruleset: Ruleset, pools: Mapping[str, int]) -> None:
    ids = [w.id for w in ruleset.windows]
    for window_id, pool in pools.items():
        if window_id not in ids:
            raise PoolError(f"pool for unknown window {window_id!r} (windows of {ruleset.id}: "
                            f"{', '.join(ids)})")
        if isinstance(pool, bool) or not isinstance(pool, int) or pool < 0:
            raise PoolError(f"pool of window {window_id!r} must be a whole number of MAD >= 0")
    missing = [w for w in ids if w not in pools]
    if missing:
        raise PoolError(f"missing pool for window(s) {', '.join(missing)} of {ruleset.id}")


def _place(ruleset: Ruleset, commune: Commune, assessment: Assessment | None
           ) -> tuple[CommuneResult, tuple[Assessment, AssessmentInvalid] | None]:
    population = commune.population.get(ruleset.population_census, 0)
    window = ruleset.window_of(population)
    error = None
    if assessment is not None and window is not None:
        try:
            check_assessment(ruleset, assessment, window.id)
        except AssessmentInvalid as exc:
            error, assessment = (assessment, exc), None
    cap = cap_of(window, assessment) if window else None
    result = CommuneResult(commune, window.id if window else None,
                           standing(ruleset, window, commune, assessment),
                           assessment, population, cap, None)
    return result, error


def cap_of(window: Window, assessment: Assessment | None) -> int | None:
    """min(absolute_mad, floor(ratio x investment_budget_mad)), each where defined (s4)."""
    caps = [] if window.cap_absolute_mad is None else [window.cap_absolute_mad]
    budget = assessment.investment_budget_mad if assessment else None
    if window.cap_budget_ratio is not None and budget is not None:
        caps.append(floor(window.cap_budget_ratio * Fraction(budget)))
    return min(caps) if caps else None


def _window_result(window: Window, pool: int, placed: list[CommuneResult]) -> WindowResult:
    eligible = [c for c in placed if c.eligible]
    claims = [Claim(c.code, c.weight, c.cap) for c in eligible]
    outcome = allocate(pool, window.equal_share, claims)
    shares = {s.code: s for s in outcome.shares}
    communes = tuple(
        CommuneResult(c.commune, c.window, c.standing, c.assessment, c.population, c.cap,
                      shares.get(c.code))
        for c in placed
    )
    return WindowResult(window, pool, outcome.unallocated, communes, outcome.rounds)


def inputs_digest(ruleset: Ruleset, communes: Iterable[Commune],
                  assessments: Mapping[str, Assessment], pools: Mapping[str, int]) -> str:
    """Identifies exactly which inputs produced a result (with the ruleset digest)."""
    census = ruleset.population_census
    payload = {
        "ruleset": ruleset.digest,
        "pools": dict(sorted(pools.items())),
        "communes": sorted([c.code, c.population.get(census, 0), c.participating]
                           for c in communes),
        "assessments": sorted([a.commune_code, a.event_id, a.revision]
                              for a in assessments.values()),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_plain)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: object) -> str:
    if isinstance(value, Decimal | Fraction):
        return str(value)
    raise TypeError(f"not serialisable: {type(value).__name__}")
