"""Engine-level invariants on random communes and assessments (docs/rules.md s3-4)."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pac_grants.rules.engine import compute_cycle
from pac_grants.rules.types import Assessment, Commune
from tests.unit.rule_cases import CASES_DIR, case_ruleset, load_case

RULESET = case_ruleset(load_case(CASES_DIR / "01-worked-example.yaml"))

communes = st.lists(
    st.tuples(st.integers(0, 5_000_000), st.booleans(), st.booleans(), st.booleans(),
              st.decimals(min_value=0, max_value=1, places=3), st.booleans(),
              st.booleans()),
    min_size=0, max_size=30)


def _inputs(rows: list[tuple]) -> tuple[list[Commune], dict[str, Assessment]]:
    people, assessments = [], {}
    for n, (population, participating, m1, m2, x, y, assessed) in enumerate(rows):
        code = f"{n:03d}"
        people.append(Commune(code, code, "", "r", "p", {2014: population}, participating))
        if assessed:
            assessments[code] = Assessment(f"e{n}", code, 2030, code, 1,
                                           {"M1": m1, "M2": m2}, {"X": Decimal(x), "Y": y})
    return people, assessments


@settings(max_examples=150, deadline=None)
@given(rows=communes, pool=st.integers(0, 10**10), seed=st.integers(0, 2**32))
def test_invariants_of_a_cycle(rows: list[tuple], pool: int, seed: int) -> None:
    people, assessments = _inputs(rows)
    result = compute_cycle(RULESET, people, assessments, {"standard": pool})
    window = result.windows[0]
    assert sum(c.amount for c in window.communes) + window.unallocated == pool
    assert [c.code for c in window.communes] == sorted(c.code for c in people)
    for commune in window.communes:
        assert 0 <= commune.amount <= 4_500_000
        if not commune.eligible:
            assert commune.amount == 0
            assert commune.standing.reasons
    if window.eligible_count == 0:
        assert window.unallocated == pool
    shuffled = list(people)
    random.Random(seed).shuffle(shuffled)
    again = compute_cycle(RULESET, shuffled, dict(reversed(assessments.items())),
                          {"standard": pool})
    assert again == result
