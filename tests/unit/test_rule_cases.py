"""Every declarative case of ``cases/`` through the engine, to the dirham (docs/rules.md s5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pac_grants.rules.engine import compute_cycle
from pac_grants.rules.revisions import counting
from tests.unit.rule_cases import (
    CASES_DIR,
    case_assessments,
    case_communes,
    case_ruleset,
    load_case,
)

CASES = sorted(CASES_DIR.glob("*.yaml"))


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 11


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = load_case(path)
    ruleset = case_ruleset(case)
    assessments = counting(case_assessments(case, ruleset.cycle))
    result = compute_cycle(ruleset, case_communes(case), assessments, case["pools"])
    windows = {w.window.id: w for w in result.windows}
    assert set(windows) == set(case["expect"])
    for window_id, expected in case["expect"].items():
        window = windows[window_id]
        assert window.unallocated == expected["unallocated"], window_id
        assert window.allocated + window.unallocated == window.pool
        got = {c.code: c for c in window.communes}
        assert set(got) == set(expected["communes"]), window_id
        for code, fields in expected["communes"].items():
            commune = got[code]
            actual = {
                "amount": commune.amount,
                "eligible": commune.eligible,
                "reasons": list(commune.standing.reasons),
                "failed_conditions": list(commune.standing.failed_conditions),
                "score": commune.score,
                "capped": bool(commune.share and commune.share.capped),
            }
            for name, value in fields.items():
                assert actual[name] == value, f"{window_id} {code} {name}"
