"""Ruleset loading and validation (docs/rules.md s1)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from pac_grants.rules.ruleset import (
    RulesetError,
    load_ruleset,
    packaged_ids,
    packaged_ruleset,
    parse_ruleset,
)

SHARED = Path(__file__).parent / "cases" / "01-worked-example.yaml"


def _worked() -> dict:
    return yaml.safe_load(SHARED.read_text(encoding="utf-8"))["ruleset"]


def _error(data: dict) -> str:
    with pytest.raises(RulesetError) as caught:
        parse_ruleset(yaml.safe_dump(data), "test.yaml")
    return str(caught.value)


def test_the_six_sample_rulesets_ship_with_the_package() -> None:
    assert sorted(packaged_ids()) == [f"papc-{year}" for year in range(2019, 2025)]
    for year in range(2019, 2025):
        ruleset = packaged_ruleset(year)
        assert ruleset is not None and ruleset.cycle == year
    assert packaged_ruleset(2031) is None


def test_digest_is_sha256_of_canonical_json() -> None:
    ruleset = packaged_ruleset(2024)
    assert ruleset is not None
    path = Path(__file__).parents[2] / "pac_grants" / "data" / "rulesets" / "papc-2024.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert ruleset.digest == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def test_load_by_id_and_by_path(tmp_path: Path) -> None:
    assert load_ruleset("papc-2021").id == "papc-2021"
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(_worked()), encoding="utf-8")
    assert load_ruleset(path).id == "worked-example"
    with pytest.raises(RulesetError, match="no packaged ruleset 'papc-1800'"):
        load_ruleset("papc-1800")


def test_unknown_key() -> None:
    assert "unknown key(s): colour" in _error(_worked() | {"colour": "red"})


def test_missing_key() -> None:
    data = _worked()
    del data["currency"]
    assert "missing key(s): currency" in _error(data)


def test_points_must_sum_to_100() -> None:
    data = _worked()
    data["windows"][0]["indicators"][1]["max_points"] = 39
    assert "sum to 99, not 100" in _error(data)


def test_overlapping_windows() -> None:
    data = _worked()
    first = data["windows"][0] | {"membership": {"max_population": 500000}}
    second = first | {"id": "big", "membership": {"min_population": 500000}}
    data["windows"] = [first, second]
    assert "overlap" in _error(data)


def test_band_points_above_max_and_bad_share() -> None:
    data = _worked()
    data["windows"][0]["indicators"][0]["scoring"]["bands"][0][1] = 61
    assert "outside [0, max_points=60]" in _error(data)
    data = _worked()
    data["windows"][0]["equal_share"] = "1.5"
    assert "equal_share: must be in [0, 1]" in _error(data)


def test_error_names_the_file_and_path() -> None:
    data = _worked()
    data["windows"][0]["indicators"][1]["scoring"] = {"kind": "stars"}
    assert _error(data).startswith("test.yaml: windows.0.indicators.1.scoring.kind")


def test_the_sample_rulesets_label_everything_in_french_and_arabic() -> None:
    from pac_grants.rules.ruleset import (
        Condition,
        Indicator,
        packaged_ids,
        packaged_ruleset_by_id,
    )

    for ruleset_id in packaged_ids():
        ruleset = packaged_ruleset_by_id(ruleset_id)
        items: list[Condition | Indicator] = [*ruleset.conditions,
                                              *(i for w in ruleset.windows for i in w.indicators)]
        assert items
        for item in items:
            assert item.label_fr and item.label_ar, (ruleset_id, item.id)
            assert any("\u0600" <= ch <= "\u06ff" for ch in item.label_ar)
