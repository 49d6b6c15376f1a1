"""A variant's amounts equal ``pac-grants allocate`` with that ruleset, to the dirham.

Hypothesis draws variants of a sample cycle's ruleset (equal share, minimum score, caps,
pools) and runs both commands, through the console entry point, on the sample program's
files; ``simulate``'s variant side must be ``allocate``'s answer, commune by commune.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pac_grants.cli import main
from pac_grants.simulation.documents import packaged_document
from tests.unit.simulation_support import program, write_files

SHARES = st.decimals(min_value=0, max_value=1, places=2).map(str)
CAPS = st.one_of(st.none(), st.integers(min_value=0, max_value=80_000_000))
RATIOS = st.one_of(st.none(), st.decimals(min_value=0, max_value=2, places=2).map(str))


@st.composite
def variants(draw: st.DrawFn) -> tuple[int, dict[str, object], dict[str, int]]:
    cycle = draw(st.sampled_from([2019, 2021, 2023, 2024]))
    document = packaged_document(f"papc-{cycle}").with_value("id", "drawn")
    pools = {}
    for window in document.data["windows"]:
        at = f"windows.{window['id']}"
        document = document.with_value(f"{at}.equal_share", draw(SHARES))
        document = document.with_value(f"{at}.min_score", draw(st.integers(0, 100)))
        document = document.with_value(f"{at}.cap.absolute_mad", draw(CAPS))
        document = document.with_value(f"{at}.cap.investment_budget_ratio", draw(RATIOS))
        pools[window["id"]] = draw(st.integers(0, 3 * program().pools[cycle][window["id"]]))
    return cycle, document.data, pools


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return write_files(tmp_path_factory.mktemp("program"))


def _json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


@settings(max_examples=20, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(drawn=variants())
def test_variant_amounts_equal_allocate(files: tuple[str, str], tmp_path: Path,
                                        drawn: tuple[int, dict[str, object], dict[str, int]]
                                        ) -> None:
    cycle, data, pools = drawn
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    communes, assessments = files
    common = ["--cycle", str(cycle), "--communes", communes, "--assessments", assessments]
    cycle_pools = [a for w, p in program().pools[cycle].items() for a in ("--base-pool",
                                                                         f"{w}={p}")]
    variant_pools = [a for w, p in pools.items() for a in ("--pool", f"{w}={p}")]
    simulated = _json("simulate", *common, *cycle_pools, *variant_pools, "--variant",
                      str(path), "--format", "json")
    allocated = _json("allocate", *common, *variant_pools, "--ruleset", str(path),
                      "--format", "json")
    amounts = {c["code"]: c["amount"] for w in allocated["windows"] for c in w["communes"]}
    assert {c["code"]: c["variant_amount"] for c in simulated["communes"]} == amounts
    assert simulated["totals"]["variant"]["allocated"] == sum(
        w["allocated"] for w in allocated["windows"])
    assert simulated["variant"]["ruleset"] == allocated["ruleset"]
    assert Decimal(simulated["totals"]["variant"]["top10_share"] or 0) <= 1
