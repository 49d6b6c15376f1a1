"""The lean water-filling (pac_grants/rules/waterfill.py) against ``allocation.allocate``.

Same shares (amount, exact ideal, capped, rounded up, round of the cap), unallocated and
rounds, including the edges: a share exactly at its cap is not over it, equal
remainders go by code, no weight at all, an equal share of 0 or 1.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pac_grants.rules.allocation import Claim, allocate
from pac_grants.rules.book_result import shares_of
from pac_grants.rules.waterfill import water_fill

claims = st.lists(st.tuples(st.sampled_from([0, 1, 2, 3, 10, 10, 250]),
                            st.sampled_from([None, 5, 10, 10, 100])), max_size=12)


def check(pool: int, share: Fraction, rows: list[tuple[int, int | None]], same: bool) -> None:
    if same:
        rows = [(w, 10) for w, _cap in rows]
    codes = [f"c{n:02d}" for n in range(len(rows))]
    reference = allocate(pool, share, [Claim(c, w, cap) for c, (w, cap) in zip(codes, rows,
                                                                             strict=True)])
    capped = {c: (w, cap) for c, (w, cap) in zip(codes, rows, strict=True) if cap is not None}
    filled = water_fill(pool, share, codes, [w for w, _cap in rows], sum(w for w, _c in rows),
                        capped, same_cap=same)
    assert (filled.unallocated, filled.rounds) == (reference.unallocated, reference.rounds)
    assert sorted(shares_of(filled).values(), key=lambda s: s.code) == list(reference.shares)


@settings(max_examples=500, deadline=None)
@given(pool=st.integers(0, 200), share=st.sampled_from([Fraction(0), Fraction(1, 4),
                                                         Fraction(1, 2), Fraction(1)]),
       rows=claims, same=st.booleans())
@example(pool=20, share=Fraction(0), rows=[(10, 10), (10, 10)], same=True)  # exactly at cap
@example(pool=20, share=Fraction(0), rows=[(10, 10), (10, 10)], same=False)
@example(pool=25, share=Fraction(1, 2), rows=[(3, 10), (1, 10), (1, 10)], same=True)
def test_lean_water_filling_is_the_reference(pool: int, share: Fraction,
                                              rows: list[tuple[int, int | None]],
                                              same: bool) -> None:
    check(pool, share, rows, same)
