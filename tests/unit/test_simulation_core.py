"""The simulation core over the sample program's inputs (issue 13)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pac_grants.rules.ruleset import Ruleset, packaged_ruleset_by_id
from pac_grants.simulation.documents import packaged_document
from pac_grants.simulation.report import simulation_data, simulation_json
from pac_grants.simulation.simulate import SimulationError, base_result, simulate
from pac_grants.simulation.wording import CHANGES, WORDS, words
from tests.unit.simulation_support import CYCLES, final_inputs


@pytest.mark.parametrize("cycle", CYCLES)
def test_a_packaged_ruleset_as_its_own_variant_changes_nothing(cycle: int) -> None:
    inputs = final_inputs(cycle)
    data = simulation_data(simulate(inputs, packaged_ruleset_by_id(f"papc-{cycle}")))
    assert data["parameters"] == []
    assert {c["difference"] for c in data["communes"]} == {0}
    assert {tuple(c["changes"]) for c in data["communes"]} == {("unchanged",)}
    assert data["totals"]["base"] == data["totals"]["variant"]
    assert data["totals"]["changes"]["same"] == len(inputs.communes)
    assert all(r["difference"] == 0 for r in data["totals"]["by_province"])


def _variant(path: str, value: object, cycle: int = 2023) -> Ruleset:
    return packaged_document(f"papc-{cycle}").with_value(path, value).ruleset()


def test_a_higher_equal_share_moves_money_from_large_to_small_communes() -> None:
    inputs = final_inputs(2023)
    data = simulation_data(simulate(inputs, _variant("windows.standard.equal_share", "0.35")))
    moves = data["totals"]["changes"]
    assert moves["gain"] > 0 and moves["lose"] > 0
    assert moves["gained"] == moves["lost"]  # the pool is shared either way
    assert data["parameters"] == [{"path": "windows.standard.equal_share", "base": "0.2",
                                   "variant": "0.35"}]
    rows = {c["code"]: c for c in data["communes"]}
    loser = rows[moves["largest_loss"]["code"]]
    gainer = rows[moves["largest_gain"]["code"]]
    assert loser["difference"] == min(c["difference"] for c in rows.values())
    assert gainer["variant_amount"] - gainer["base_amount"] == moves["largest_gain"]["difference"]
    assert "from the formula" in gainer["explanation"]
    assert sum(r["difference"] for r in data["totals"]["by_region"]) == 0


def test_a_higher_minimum_score_says_who_drops_out_and_why() -> None:
    data = simulation_data(simulate(final_inputs(2023),
                                    _variant("windows.standard.min_score", 70)))
    dropped = [c for c in data["communes"] if "became_ineligible" in c["changes"]]
    assert dropped and data["totals"]["changes"]["became_ineligible"] == len(dropped)
    for row in dropped:
        assert row["variant_amount"] == 0 and row["variant_reasons"] == ["below_min_score"]
        assert f"score {row['variant_score']} below the minimum 70" in row["explanation"]
    eligible = data["totals"]["variant"]["eligible"]
    assert eligible == data["totals"]["base"]["eligible"] - len(dropped)


def test_a_pool_override_applies_to_the_variant_only() -> None:
    """2023's base pool is its effective one: 1,700,000,000 MAD and what 2022 carried."""
    inputs = final_inputs(2023)
    same = packaged_ruleset_by_id("papc-2023")
    data = simulation_data(simulate(inputs, same, {"standard": 1_000_000_000}))
    pool = data["totals"]["base"]["pool"]
    assert pool == inputs.pools["standard"] > 1_700_000_000
    assert data["totals"]["variant"]["pool"] == data["totals"]["variant"]["allocated"] \
        == 1_000_000_000
    assert data["totals"]["changes"]["lost"] == pool - 1_000_000_000 + \
        data["totals"]["changes"]["gained"]


def test_a_window_without_a_pool_is_refused() -> None:
    document = packaged_document("papc-2023")
    windows = document.data["windows"]
    extra = dict(windows[0]) | {"id": "grandes", "membership": {"min_population": 500001}}
    split = document.with_value("windows.standard.equal_share", "0.20")
    split.data["windows"] = [dict(windows[0]) | {"membership": {"max_population": 500000}},
                             extra]
    with pytest.raises(SimulationError, match="grandes of the variant ruleset papc-2023 have "
                                              "no pool in cycle 2023"):
        simulate(final_inputs(2023), split.ruleset())
    with pytest.raises(SimulationError, match="unknown window"):
        simulate(final_inputs(2023), split.ruleset(), {"petites": 1})
    moved = simulate(final_inputs(2023), split.ruleset(), {"grandes": 500_000_000})
    assert any(c.code == "window_changed" for r in moved.rows for c in r.changes)


def test_a_variant_of_another_cycle_is_refused() -> None:
    with pytest.raises(SimulationError, match="papc-2022 is for cycle 2022, not 2023"):
        simulate(final_inputs(2023), packaged_ruleset_by_id("papc-2022"))


def test_statistics_are_decimal_strings_in_json() -> None:
    inputs = final_inputs(2021)
    found = simulation_json(simulate(inputs, _variant("windows.standard.equal_share", "0.5",
                                                      2021)))
    side = found["totals"]["variant"]
    assert isinstance(side["gini"], str) and Decimal(side["gini"]) > 0
    assert Decimal(side["per_capita"]["min"]) <= Decimal(side["per_capita"]["median"]) \
        <= Decimal(side["per_capita"]["max"])
    assert len(side["top10_share"].split(".")[1]) == 4
    base = base_result(inputs)
    assert side["communes"] == len({c.code for w in base.windows for c in w.communes})


def test_every_change_has_words() -> None:
    assert set(CHANGES) <= set(WORDS["en"])
    assert words("score_changed", "ar", base=40, variant=50) == "score 40 -> 50"
