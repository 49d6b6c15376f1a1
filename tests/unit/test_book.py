"""The incremental book equals a full ``compute_cycle`` after any sequence of changes.

A drawn sequence of revisions (valid or not, or withdrawn), commune registrations and
changes (population moving a commune between windows or out of all, participation) and
pool changes is applied to a :class:`CycleBook`; after every step its result must be
exactly the full recomputation's (docs/rules.md s3-4), amounts, unallocated, eligibility,
caps and reasons, down to the explanation's standing and shares.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pac_grants.rules.book import CycleBook
from pac_grants.rules.book_result import cycle_result
from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.ruleset import packaged_ruleset, parse_ruleset
from pac_grants.rules.types import Assessment, Commune
from pac_grants.scenario import generate_program
from pac_grants.scenario.final import to_assessment, to_commune

RULESET = parse_ruleset("""
id: book-test
version: 1
cycle: 2050
grant_year: 2051
currency: MAD
population_census: 2024
minimum_conditions: [{id: M1}, {id: M2}]
windows:
  - {id: small, mode: performance, min_score: 30, equal_share: "0.25",
     membership: {max_population: 1000},
     cap: {absolute_mad: 3000, investment_budget_ratio: "0.5"},
     indicators: [{id: X, max_points: 50, scoring: {kind: bands, better: higher,
                   range: [0, 1], bands: [[0.8, 50], [0.5, 20]]}},
                  {id: Y, max_points: 20, scoring: {kind: boolean}},
                  {id: Z, max_points: 30, scoring: {kind: points}}]}
  - {id: mid, mode: performance, min_score: 0, equal_share: "0",
     membership: {min_population: 1001, max_population: 5000}, cap: {absolute_mad: 400},
     indicators: [{id: X, max_points: 50, scoring: {kind: bands, better: lower,
                   range: [0, 1], bands: [[0.2, 50], [0.5, 20]]}},
                  {id: Y, max_points: 20, scoring: {kind: boolean}},
                  {id: Z, max_points: 30, scoring: {kind: points}}]}
  - {id: big, mode: mmc_only, min_score: 0, equal_share: "1",
     membership: {min_population: 5001, max_population: 9000}, cap: null}
""", "book test ruleset")
CODES = [f"c{n:02d}" for n in range(10)]

populations = st.sampled_from([0, 10, 10, 500, 1000, 1001, 3000, 5001, 7000, 9500])
indicator_values = st.fixed_dictionaries({  # invalid values (last) are rarer
    "X": st.sampled_from([Decimal("0.80"), Decimal("0.5"), Decimal("0.1"), 1, "0.7"] * 4
                         + [Decimal("1.5"), True]),
    "Y": st.sampled_from([True, False] * 8 + [1]),
    "Z": st.sampled_from([30, 15, 0] * 5 + [31, Decimal(3)])})


@st.composite
def assessments(draw: st.DrawFn, code: str, n: int) -> Assessment:
    indicators: dict[str, Any] = draw(indicator_values)
    if draw(st.integers(0, 9)) == 0:
        indicators = {}  # valid only in the mmc_only window
    budget = draw(st.sampled_from([None, Decimal(900), Decimal("5000.5"), Decimal(0)]))
    conditions = {"M1": draw(st.integers(0, 5)) > 0, "M2": True}
    return Assessment(f"e{n}", f"a-{code}", 2050, code, n, conditions, indicators, budget)


@st.composite
def changes(draw: st.DrawFn, n: int) -> tuple[str, Any]:
    kind = draw(st.sampled_from(["commune", "assessment", "assessment", "withdraw", "pool"]))
    code = draw(st.sampled_from(CODES))
    if kind == "commune":
        return kind, Commune(code, code, "", "r", "p", {2024: draw(populations)},
                             draw(st.integers(0, 5)) > 0)
    if kind == "assessment":
        return kind, draw(assessments(code, n))
    if kind == "withdraw":
        return kind, code
    return kind, (draw(st.sampled_from(["small", "mid", "big"])),
                  draw(st.sampled_from([0, 1, 7, 11, 1000, 10**6])))


def apply_change(book: CycleBook, kind: str, change: Any) -> None:
    if kind == "commune":
        book.set_commune(change)
    elif kind == "assessment":
        book.set_assessment(change.commune_code, change)
    elif kind == "withdraw":
        book.set_assessment(change, None)
    else:
        book.set_pool(*change)


def comparable(result: CycleResult) -> CycleResult:
    """Errors compare by their content (exceptions compare by identity)."""
    invalid = tuple((a, (e.code, e.message, e.field, e.value)) for a, e in result.invalid)
    return dataclasses.replace(result, invalid=invalid)  # type: ignore[arg-type]


def full(book_inputs: dict[str, Any]) -> CycleResult:
    return compute_cycle(RULESET, book_inputs["communes"].values(),
                         book_inputs["assessments"], book_inputs["pools"])


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), steps=st.integers(1, 25))
def test_incremental_equals_full_after_every_change(data: st.DataObject, steps: int) -> None:
    inputs: dict[str, Any] = {"communes": {}, "assessments": {},
                              "pools": {"small": 10_000, "mid": 999, "big": 5}}
    for code in data.draw(st.lists(st.sampled_from(CODES), max_size=8)):
        inputs["communes"][code] = Commune(code, code, "", "r", "p", {2024: data.draw(
            populations)}, data.draw(st.integers(0, 5)) > 0)
        inputs["assessments"][code] = data.draw(assessments(code, 0))
    book = CycleBook(RULESET, inputs["pools"], inputs["communes"].values(),
                     inputs["assessments"])
    for n in range(steps):
        kind, change = data.draw(changes(n + 1))
        apply_change(book, kind, change)
        if kind == "commune":
            inputs["communes"][change.code] = change
        elif kind == "assessment":
            inputs["assessments"][change.commune_code] = change
        elif kind == "withdraw":
            inputs["assessments"].pop(change, None)
        else:
            inputs["pools"][change[0]] = change[1]
        expected = full(inputs)
        assert comparable(cycle_result(book)) == comparable(expected)
        for window in expected.windows:
            assert book.amounts(window.window.id) == {c.code: c.amount for c in window.communes}


def test_the_sample_program_cycles_built_at_once_then_revised() -> None:
    program = generate_program(seed=7, scale=1, revisions=0)
    for cycle in (2019, 2022, 2024):
        ruleset = packaged_ruleset(cycle)
        assert ruleset is not None
        rows, events, pools = program.final_inputs(cycle)
        communes = [to_commune(row) for row in rows]
        counting = {code: to_assessment(event) for code, event in events.items()}
        book = CycleBook(ruleset, pools, communes, counting)
        assert comparable(cycle_result(book)) == comparable(
            compute_cycle(ruleset, communes, counting, pools))
        for code in sorted(counting)[:40:4]:  # revisions: conditions failed, then back
            before = counting[code]
            counting[code] = dataclasses.replace(before, conditions={
                k: False for k in before.conditions}, revision=before.revision + 1)
            book.set_assessment(code, counting[code])
        assert comparable(cycle_result(book)) == comparable(
            compute_cycle(ruleset, communes, counting, pools))
