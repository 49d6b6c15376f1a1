"""The published JSON straight from a book equals the one built from its CycleResult."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import lean_results
from models.results import published_json
from pac_grants.rules.book import CycleBook
from pac_grants.rules.book_result import cycle_result
from pac_grants.rules.types import Commune
from tests.unit.test_book import (
    CODES,
    RULESET,
    apply_change,
    assessments,
    changes,
    populations,
)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), steps=st.integers(1, 15))
def test_lean_published_json_after_every_change(data: st.DataObject, steps: int) -> None:
    communes = [Commune(code, code, "", "r", "p", {2024: data.draw(populations)}, True)
                for code in data.draw(st.lists(st.sampled_from(CODES), max_size=8))]
    book = CycleBook(RULESET, {"small": 10_000, "mid": 999, "big": 5}, communes,
                     {c.code: data.draw(assessments(c.code, 0)) for c in communes[::2]})
    for n in range(steps):
        apply_change(book, *data.draw(changes(n + 1)))
        status = "provisional" if n % 2 else "final"
        assert lean_results.published_json(book, status) == published_json(
            cycle_result(book), status)
