"""The allocation of docs/rules.md s4 in lean integer form: lists of ints, no object per commune.

The same arithmetic as ``allocation.allocate`` (whose docstring derives it): in a round
over the active set A, every share is N_i / D with N_i = base + per x w_i, where
base = B x num(e) x W, per = B x (den(e) - num(e)) x |A| and D = |A| x W x den(e)
(B the budget, W the active weight, e the equal share); with W = 0, N_i = B and D = |A|.
A round only has to look at the communes that have a cap, and when they all have the
same cap (an absolute cap, no budget ratio) compares each weight with one whole-number
limit instead of multiplying big integers. The rounding to whole dirhams looks at every
free commune once. ``allocate`` stays the reference: tests
compare both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import compress


@dataclass(frozen=True)
class Filled:
    """A window's pool shared out: the communes fixed at their cap, then the free ones."""

    rounds: int
    unallocated: int
    fixed: Mapping[str, tuple[int, int, int, int]]  # code -> cap, N, D, round it was fixed
    codes: Sequence[str]  # the free communes, in code order
    weights: Sequence[int]
    amounts: Sequence[int]
    bumped: frozenset[int]  # positions in ``codes`` that got a dirham of the remainder
    base: int
    per: int
    denominator: int

    def amount(self, code: str) -> int | None:
        """Look-up by code (linear: for tests and single communes; ``pairs`` for all)."""
        if code in self.fixed:
            return self.fixed[code][0]
        try:
            return self.amounts[self.codes.index(code)]
        except ValueError:
            return None

    def ideal(self, position: int) -> Fraction:
        """The unrounded share of the free commune at ``position``."""
        return Fraction(self.base + self.per * self.weights[position], self.denominator)


def water_fill(pool: int, equal_share: Fraction, codes: Sequence[str], weights: Sequence[int],
               total: int, capped: Mapping[str, tuple[int, int]], same_cap: bool = False
               ) -> Filled:
    """Share ``pool`` among the eligible ``codes`` (code order) of ``weights`` (summing to
    ``total``); ``capped``: code -> (weight, cap) of those that have a cap, all the same
    cap when ``same_cap``."""
    if pool < 0:
        raise ValueError(f"pool must not be negative, got {pool}")
    num, den = equal_share.numerator, equal_share.denominator
    size, budget, rounds = len(codes), pool, 0
    fixed: dict[str, tuple[int, int, int, int]] = {}
    active = _Capped(capped, same_cap)
    base, per, denominator = 0, 0, 1
    while size:
        rounds += 1
        if total == 0:  # the (1 - e) part is split equally too
            base, per, denominator = budget, 0, size
        else:
            base, per, denominator = budget * num * total, budget * (den - num) * size, \
                size * total * den
        over = active.over(base, per, denominator)
        if not over:
            break
        for code, weight, cap in over:
            fixed[code] = (cap, base + per * weight, denominator, rounds)
            budget, size, total = budget - cap, size - 1, total - weight
    if not size:
        return Filled(rounds, budget, fixed, (), (), (), frozenset(), base, per, denominator)
    if fixed:
        kept = [n for n, code in enumerate(codes) if code not in fixed]
        codes, weights = [codes[n] for n in kept], [weights[n] for n in kept]
    amounts, bumped = _rounded(budget, weights, base, per, denominator)
    return Filled(rounds, 0, fixed, codes, weights, amounts, bumped, base, per, denominator)


class _Capped:
    """The capped communes still active, as parallel lists; ``over`` removes and returns
    those over their cap in a round."""

    def __init__(self, capped: Mapping[str, tuple[int, int]], same_cap: bool) -> None:
        self.codes = list(capped)
        self.weights = [weight for weight, _cap in capped.values()]
        self.caps = [cap for _weight, cap in capped.values()]
        distinct = set(self.caps)
        self.cap = distinct.pop() if same_cap and len(distinct) == 1 else None

    def over(self, base: int, per: int, denominator: int) -> list[tuple[str, int, int]]:
        if not self.codes:
            return []
        if self.cap is not None and per > 0:  # per = 0 with e = 1 or no weight at all
            # base + per x w > cap x D  <=>  w > floor((cap x D - base) / per), w whole
            limit = (self.cap * denominator - base) // per
            if max(self.weights) <= limit:
                return []
            flags = [weight > limit for weight in self.weights]
        else:
            flags = [base + per * weight > cap * denominator
                     for weight, cap in zip(self.weights, self.caps, strict=True)]
        found = list(compress(zip(self.codes, self.weights, self.caps, strict=True), flags))
        if found:
            kept = [not flag for flag in flags]
            self.codes = list(compress(self.codes, kept))
            self.weights = list(compress(self.weights, kept))
            self.caps = list(compress(self.caps, kept))
        return found


def _rounded(budget: int, weights: Sequence[int], base: int, per: int, denominator: int
             ) -> tuple[list[int], frozenset[int]]:
    """Largest remainder to whole dirhams (s4 step 3): ties by code, i.e. by position.

    A stable sort by remainder, descending, keeps equal remainders in code order; the
    remainders add up to ``leftover`` x D, so the first ``leftover`` are all positive."""
    numerators = [base + per * weight for weight in weights]
    amounts = [n // denominator for n in numerators]
    leftover = budget - sum(amounts)
    if not leftover:
        return amounts, frozenset()
    remainders = [n % denominator for n in numerators]
    bumped = sorted(range(len(remainders)), key=remainders.__getitem__, reverse=True)[:leftover]
    for position in bumped:
        amounts[position] += 1
    return amounts, frozenset(bumped)
