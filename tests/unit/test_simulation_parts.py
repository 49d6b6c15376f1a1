"""Statistics, ruleset documents and sweeps of the simulation (issue 13)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pac_grants.rules.ruleset import RulesetError
from pac_grants.simulation.documents import PathError, packaged_document, read_document
from pac_grants.simulation.statistics import gini, median
from pac_grants.simulation.sweep import SweepError, parse_sweep, points, typed

D = Decimal


def test_gini_and_median() -> None:
    assert gini([D(5), D(5), D(5)]) == 0
    assert gini([D(0), D(0), D(3)]) == D(2) / D(3)  # one has everything: (n - 1) / n
    assert gini([D(0), D(0)]) == 0
    assert gini([D(1), D(2), D(3), D(4)]) == D("0.25")
    assert median([D(1), D(3), D(9)]) == 3
    assert median([D(1), D(3), D(9), D(11)]) == 6


def test_paths_address_list_items_by_id() -> None:
    document = packaged_document("papc-2024")
    assert document.value_at("windows.grandes_communes.equal_share") == "0.10"
    assert document.value_at("windows.standard.indicators.A1.max_points") == 10
    assert document.value_at("windows.standard.indicators.A1.scoring.bands.0.1") == 10
    changed = document.with_value("windows.grandes_communes.min_score", 60)
    assert changed.ruleset().window("grandes_communes").min_score == 60  # type: ignore[union-attr]
    assert document.ruleset().window("grandes_communes").min_score == 50  # type: ignore[union-attr]


@pytest.mark.parametrize(("path", "message"), [
    ("windows.big.min_score", "windows has no item 'big' (items: standard, grandes_communes)"),
    ("windows.standard.colour", "windows.standard has no key 'colour'"),
    ("windows.standard", "windows.standard is a dict, not a value"),
    ("windows..min_score", "not a dotted path"),
    ("cycle.year", "cycle is a value, it has no 'year'"),
])
def test_a_path_that_does_not_exist(path: str, message: str) -> None:
    with pytest.raises(PathError, match=message.replace("(", r"\(").replace(")", r"\)")):
        packaged_document("papc-2024").value_at(path)


def test_an_invalid_file_names_its_line(tmp_path: Path) -> None:
    text = packaged_document("papc-2023").text.replace("min_score: 40", "min_score: 140")
    (tmp_path / "v.yaml").write_text(text, encoding="utf-8")
    line = text.splitlines().index("  min_score: 140") + 1
    with pytest.raises(RulesetError) as caught:
        read_document(tmp_path / "v.yaml").ruleset()
    assert str(caught.value) == (f"{tmp_path / 'v.yaml'}:{line}: windows.0.min_score: "
                                 "must be in [0, 100], not 140")


def test_sweep_values_include_the_stop() -> None:
    sweep = parse_sweep("windows.standard.equal_share=0.10:0.40:0.05")
    assert sweep.path == "windows.standard.equal_share"
    assert [str(v) for v in sweep.values] == ["0.10", "0.15", "0.20", "0.25", "0.30", "0.35",
                                              "0.40"]
    assert len(parse_sweep("a.b=0:100:10").values) == 11


@pytest.mark.parametrize(("spec", "message"), [
    ("windows.standard.equal_share", "expected PATH=START:STOP:STEP"),
    ("a=0.1:0.4", "expected PATH=START:STOP:STEP"),
    ("a=0.4:0.1:0.1", "need STEP > 0 and STOP >= START"),
    ("a=0:1:0", "need STEP > 0"),
    ("a=x:1:0.1", "start 'x' is not a decimal number"),
    ("a=0:1:0.0001", "10001 values, at most 1000"),
])
def test_bad_sweeps(spec: str, message: str) -> None:
    with pytest.raises(SweepError, match=message):
        parse_sweep(spec)


def test_a_value_out_of_range_stops_the_sweep_before_anything() -> None:
    document = packaged_document("papc-2023")
    with pytest.raises(SweepError) as caught:
        points(document, parse_sweep("windows.standard.min_score=60:120:20"))
    line = document.text.splitlines().index("  min_score: 40") + 1
    assert str(caught.value) == (f"--vary windows.standard.min_score=120: packaged ruleset "
                                 f"papc-2023.yaml:{line}: windows.0.min_score: must be in "
                                 "[0, 100], not 120")
    with pytest.raises(SweepError, match="no item 'big'"):
        points(document, parse_sweep("windows.big.min_score=0:1:1"))


def test_values_are_spelled_as_the_yaml_would() -> None:
    assert typed(D("40"), 40) == 40
    assert typed(D("0.5"), 40) == "0.5"  # refused by validation: not a whole number
    assert typed(D("1000"), None) == 1000  # a cap that was null
    assert typed(D("0.30"), "0.20") == "0.30"
    assert typed(D("1"), "0.20") == "1"
    found = points(packaged_document("papc-2023"),
                   parse_sweep("windows.standard.min_score=30:50:10"))
    assert [p.ruleset.window("standard").min_score for p in found] == [30, 40, 50]  # type: ignore[union-attr]
