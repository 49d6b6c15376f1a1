"""Allocation of a window's pool (docs/rules.md s4): exact shares, water-filling caps, rounding.

Every share of a round has the same denominator, so the arithmetic stays in integers:
g_i = N_i / D with D = |A| x W x den(e) and N_i = B x (num(e) x W + (den(e) - num(e)) x
w_i x |A|), where w_i = p_i x s_i and W is their sum over the active set A. Comparing with
a cap, flooring and ranking the fractional parts are then integer operations, linear in
the number of communes per round (no Fraction normalisation per commune).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Claim:
    """An eligible commune as the formula sees it: code, weight p_i x s_i, cap (or None)."""

    code: str
    weight: int
    cap: int | None


@dataclass(frozen=True)
class Share:
    """The outcome for one eligible commune, with what the explanation needs (s7)."""

    code: str
    amount: int
    ideal: Fraction  # unrounded share; for a capped commune, its share in the binding round
    capped: bool
    rounded_up: bool
    cap_round: int | None  # the water-filling round (1-based) that fixed it at its cap


@dataclass(frozen=True)
class WindowAllocation:
    shares: tuple[Share, ...]  # sorted by code
    unallocated: int
    rounds: int


def allocate(pool: int, equal_share: Fraction, claims: Sequence[Claim]) -> WindowAllocation:
    """Share ``pool`` (whole MAD) among ``claims``; the invariants of docs/rules.md s4 (step 4)
    hold."""
    if pool < 0:
        raise ValueError(f"pool must not be negative, got {pool}")
    active = sorted(claims, key=lambda c: c.code)
    fixed: dict[str, Share] = {}
    budget, rounds = pool, 0
    numerators: list[int] = []
    denominator = 1
    while active:
        rounds += 1
        numerators, denominator = _round_shares(budget, equal_share, active)
        over = [n for n, claim in enumerate(active)
                if claim.cap is not None and numerators[n] > claim.cap * denominator]
        if not over:
            break
        for n in over:
            claim = active[n]
            assert claim.cap is not None
            ideal = Fraction(numerators[n], denominator)
            fixed[claim.code] = Share(claim.code, claim.cap, ideal, True, False, rounds)
            budget -= claim.cap
        over_codes = {active[n].code for n in over}
        active = [c for c in active if c.code not in over_codes]
    unallocated = budget if not active else 0
    free = _rounded(active, numerators, denominator, budget) if active else []
    shares = sorted([*fixed.values(), *free], key=lambda s: s.code)
    return WindowAllocation(tuple(shares), unallocated, rounds)


def _round_shares(budget: int, equal_share: Fraction, active: Sequence[Claim]
                  ) -> tuple[list[int], int]:
    """Numerators N_i and common denominator D of g_i over the active set (s4 step 1)."""
    size = len(active)
    total = sum(c.weight for c in active)
    if total == 0:  # the (1 - e) part is split equally too
        return [budget] * size, size
    num, den = equal_share.numerator, equal_share.denominator
    base = budget * num * total
    per_weight = budget * (den - num) * size
    return [base + per_weight * c.weight for c in active], size * total * den


def _rounded(active: Sequence[Claim], numerators: Sequence[int], denominator: int,
             budget: int) -> list[Share]:
    """Largest remainder to whole dirhams (s4 step 3): ties by commune code ascending."""
    floors = [n // denominator for n in numerators]
    remainders = [n % denominator for n in numerators]
    leftover = budget - sum(floors)
    ranked = sorted((i for i, r in enumerate(remainders) if r),
                    key=lambda i: (-remainders[i], active[i].code))
    bumped = set(ranked[:leftover])
    return [
        Share(c.code, floors[i] + (i in bumped), Fraction(numerators[i], denominator),
              False, i in bumped, None)
        for i, c in enumerate(active)
    ]
