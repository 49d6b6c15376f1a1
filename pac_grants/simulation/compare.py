"""Base against variant, commune by commune: amounts, eligibility, caps, and why.

Both sides are :func:`pac_grants.rules.engine.compute_cycle` over the same inputs, so a
variant's amounts are exactly what ``pac-grants allocate`` gives with that ruleset.
A commune's changes are codes (:data:`pac_grants.simulation.wording.CHANGES`) with the
values their sentence needs; the words come from the wording table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pac_grants.rules.engine import CommuneResult, CycleResult
from pac_grants.rules.ruleset import Ruleset
from pac_grants.simulation import wording


@dataclass(frozen=True)
class Change:
    code: str
    values: Mapping[str, object] = field(default_factory=dict)

    def words(self, language: str = "en") -> str:
        return wording.words(self.code, language, **self.values)


@dataclass(frozen=True)
class Row:
    """One commune on both sides (a commune outside every window: its first listing)."""

    base: CommuneResult
    variant: CommuneResult
    changes: tuple[Change, ...]

    @property
    def code(self) -> str:
        return self.base.code

    @property
    def window(self) -> str | None:
        return self.variant.window or self.base.window

    @property
    def difference(self) -> int:
        return self.variant.amount - self.base.amount

    def explanation(self, language: str = "en") -> str:
        return wording.joined([c.words(language) for c in self.changes], language)


def capped(result: CommuneResult) -> bool:
    return bool(result.share and result.share.capped)


def by_code(result: CycleResult) -> dict[str, CommuneResult]:
    """Each commune once: in its window, or (no window) its first listing."""
    found: dict[str, CommuneResult] = {}
    for window in result.windows:
        for commune in window.communes:
            if commune.window == window.window.id or commune.code not in found:
                found[commune.code] = commune
    return found


def rows(base: CycleResult, variant: CycleResult) -> list[Row]:
    """Every commune of the inputs, sorted by code."""
    before, after = by_code(base), by_code(variant)
    invalid = {a.commune_code: exc.message for a, exc in variant.invalid}
    invalid_before = {a.commune_code for a, _exc in base.invalid}
    return [Row(before[code], after[code],
                changes(before[code], after[code], variant.ruleset,
                        None if code in invalid_before else invalid.get(code)))
            for code in sorted(before)]


def changes(base: CommuneResult, variant: CommuneResult, ruleset: Ruleset,
            invalid: str | None) -> tuple[Change, ...]:
    """What differs, in the order of :data:`wording.CHANGES`."""
    found = []
    if base.window != variant.window:
        found.append(Change("window_changed", {"base": _window(base), "variant": _window(variant)}))
    if invalid is not None:
        found.append(Change("assessment_invalid", {"reason": invalid}))
    found += _eligibility(base, variant, ruleset)
    if base.score is not None and variant.score is not None and base.score != variant.score:
        found.append(Change("score_changed", {"base": base.score, "variant": variant.score}))
    found += _caps(base, variant)
    difference = variant.amount - base.amount
    if difference and base.eligible and variant.eligible and not capped(variant):
        found.append(Change("formula", {"difference": f"{difference:+,}"}))
    return tuple(found) or (Change("unchanged"),)


def _window(result: CommuneResult) -> str:
    return result.window or wording.words("no_window_name")


def _eligibility(base: CommuneResult, variant: CommuneResult, ruleset: Ruleset
                 ) -> list[Change]:
    if variant.eligible and not base.eligible:
        return [Change("became_eligible")]
    if base.eligible and not variant.eligible:
        return [Change("became_ineligible", {"reasons": reasons(variant, ruleset)})]
    return []


def reasons(result: CommuneResult, ruleset: Ruleset, language: str = "en") -> str:
    """Why ``result`` is not eligible, in words (docs/rules.md s3)."""
    window = ruleset.window(result.window) if result.window else None
    standing = result.standing
    values = {"score": result.score, "conditions": ", ".join(standing.failed_conditions),
              "min_score": window.min_score if window else None}
    return wording.reasons_in_words(standing.reasons, values, language)


def _caps(base: CommuneResult, variant: CommuneResult) -> list[Change]:
    if capped(variant) and not capped(base):
        return [Change("now_capped", {"cap": variant.cap})]
    if capped(base) and not capped(variant):
        return [Change("no_longer_capped")]
    if capped(base) and capped(variant) and base.cap != variant.cap:
        return [Change("cap_changed", {"base": base.cap, "variant": variant.cap})]
    return []
