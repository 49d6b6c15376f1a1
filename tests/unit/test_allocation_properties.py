"""Invariants of docs/rules.md s4 (step 4) on random inputs (Hypothesis)."""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pac_grants.rules.allocation import Claim, allocate

codes = st.text(alphabet="0123456789.AB", min_size=1, max_size=6)
claims = st.lists(
    st.builds(Claim, code=codes, weight=st.integers(0, 10**9),
              cap=st.one_of(st.none(), st.integers(0, 10**7))),
    min_size=0, max_size=40, unique_by=lambda c: c.code)
shares = st.fractions(min_value=0, max_value=1, max_denominator=100)
pools = st.integers(0, 10**9)


@settings(max_examples=300, deadline=None)
@given(pool=pools, equal=shares, claims=claims)
def test_sum_of_grants_and_unallocated_is_the_pool(pool: int, equal: Fraction,
                                                   claims: list[Claim]) -> None:
    outcome = allocate(pool, equal, claims)
    assert sum(s.amount for s in outcome.shares) + outcome.unallocated == pool
    assert outcome.unallocated == (pool if not claims else outcome.unallocated)
    assert outcome.unallocated >= 0


@settings(max_examples=300, deadline=None)
@given(pool=pools, equal=shares, claims=claims)
def test_every_grant_is_between_zero_and_its_cap(pool: int, equal: Fraction,
                                                 claims: list[Claim]) -> None:
    by_code = {c.code: c for c in claims}
    for share in allocate(pool, equal, claims).shares:
        cap = by_code[share.code].cap
        assert share.amount >= 0
        assert cap is None or share.amount <= cap
        assert not share.capped or share.amount == cap


@settings(max_examples=200, deadline=None)
@given(pool=pools, equal=shares, claims=claims, seed=st.integers(0, 2**32))
def test_same_result_whatever_the_input_order(pool: int, equal: Fraction,
                                              claims: list[Claim], seed: int) -> None:
    shuffled = list(claims)
    random.Random(seed).shuffle(shuffled)
    assert allocate(pool, equal, claims) == allocate(pool, equal, shuffled)


@settings(max_examples=300, deadline=None)
@given(pool=pools, equal=shares,
       claims=st.lists(st.builds(Claim, code=codes, weight=st.integers(0, 10**9),
                                 cap=st.none()), min_size=2, max_size=30,
                       unique_by=lambda c: c.code),
       data=st.data())
def test_without_caps_a_higher_weight_never_gets_less(pool: int, equal: Fraction,
                                                      claims: list[Claim],
                                                      data: st.DataObject) -> None:
    """Weight is population x score: more of either never lowers a grant (no caps)."""
    outcome = {s.code: s for s in allocate(pool, equal, claims).shares}
    first, second = data.draw(st.sampled_from(claims)), data.draw(st.sampled_from(claims))
    if first.weight > second.weight:
        assert outcome[first.code].ideal >= outcome[second.code].ideal
    if outcome[first.code].ideal > outcome[second.code].ideal:
        assert outcome[first.code].amount >= outcome[second.code].amount
    raised = [Claim(c.code, c.weight + (1000 if c.code == first.code else 0), None)
              for c in claims]
    before = allocate(pool, equal, claims)
    after = allocate(pool, equal, raised)
    ideal = {s.code: s.ideal for s in before.shares}
    ideal_after = {s.code: s.ideal for s in after.shares}
    assert ideal_after[first.code] >= ideal[first.code]
    assert abs({s.code: s.amount for s in after.shares}[first.code]
               - ideal_after[first.code]) < 1


@settings(max_examples=100, deadline=None)
@given(pool=pools, equal=shares, claims=claims)
def test_rounding_moves_each_grant_by_less_than_one_dirham(pool: int, equal: Fraction,
                                                           claims: list[Claim]) -> None:
    for share in allocate(pool, equal, claims).shares:
        assert -1 < share.amount - share.ideal < 1 or share.capped
