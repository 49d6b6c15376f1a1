"""``pac-grants allocate`` and ``explain`` through the real console entry point."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pac_grants.cli import main
from pac_grants.offline import bundled_communes_path, read_communes
from tests.unit.events_fixtures import assessment, raw

COMMUNES = str(bundled_communes_path())


def _write_2019(path: Path, extra: list[bytes] = ()) -> str:  # type: ignore[assignment]
    lines = []
    for n, commune in enumerate(read_communes(COMMUNES)):
        lines.append(raw(assessment(
            event_id=f"00000000-0000-4000-8000-{n:012d}", cycle=2019,
            commune_code=commune.code, conditions={f"MMC{k}": True for k in range(1, 8)},
            indicators={}, investment_budget_mad=None)))
    path.write_bytes(b"\n".join([*lines, *extra]) + b"\n")
    return str(path)


def _allocate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["allocate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_shape_of_interfaces_md(tmp_path: Path) -> None:
    assessments = _write_2019(tmp_path / "a.jsonl")
    code, out, _ = _allocate("--cycle", "2019", "--communes", COMMUNES, "--assessments",
                             assessments, "--pool", "standard=210000000")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["cycle", "ruleset", "windows"]
    assert data["cycle"] == 2019
    assert data["ruleset"]["id"] == "papc-2019" and data["ruleset"]["digest"].startswith("sha256:")
    window = data["windows"][0]
    assert list(window) == ["window", "pool", "allocated", "unallocated", "communes"]
    assert window["pool"] == window["allocated"] == 210_000_000
    codes = [c["code"] for c in window["communes"]]
    assert codes == sorted(codes) and len(codes) == 103
    assert list(window["communes"][0]) == ["code", "eligible", "reasons", "failed_conditions",
                                           "score", "capped", "amount"]
    assert sum(c["amount"] for c in window["communes"]) == 210_000_000
    casablanca = next(c for c in window["communes"] if c["code"] == "06.141.01.0")
    assert casablanca["amount"] == 12_000_000 and casablanca["capped"] is True


def test_csv_and_table(tmp_path: Path) -> None:
    assessments = _write_2019(tmp_path / "a.jsonl")
    args = ["--cycle", "2019", "--assessments", assessments, "--pool", "standard=210000000"]
    code, out, _ = _allocate(*args, "--format", "csv")
    assert code == 0
    header, first = out.splitlines()[:2]
    assert header.startswith("window,code,name_fr,name_ar")
    assert "الحسيمة" in out and first.startswith("standard,01.051.01.01,Al Hoceima")
    code, out, _ = _allocate(*args, "--format", "table")
    assert code == 0 and "12\u202f000\u202f000,00" in out and "plafonnée" in out
    code, out, _ = _allocate(*args, "--format", "table", "--lang", "ar")
    assert code == 0 and "12.000.000,00" in out and "بلغت السقف" in out
    assert "الحسيمة" in out  # Arabic names in the Arabic table


def test_bad_event_exits_2_with_file_line_and_reason(tmp_path: Path) -> None:
    bad = raw(assessment(cycle=2019, conditions={"MMC1": True}, indicators={}))
    path = _write_2019(tmp_path / "a.jsonl", [bad])
    code, _, err = _allocate("--cycle", "2019", "--assessments", path, "--pool",
                             "standard=210000000")
    assert code == 2
    assert f"{path}:104: missing_condition: condition MMC2 is missing" in err
    assert "Traceback" not in err


def test_bad_csv_row_exits_2(tmp_path: Path) -> None:
    communes = tmp_path / "c.csv"
    communes.write_text("code,name_fr,name_ar,region,province,population_2014,population_2024\n"
                        "X1,A,B,R,P,12a,3\n", encoding="utf-8")
    path = _write_2019(tmp_path / "a.jsonl")
    code, _, err = _allocate("--cycle", "2019", "--communes", str(communes), "--assessments",
                             path, "--pool", "standard=1")
    assert code == 2 and f"{communes}:2: population_2014 '12a'" in err


def test_missing_pool_and_unknown_window_exit_2(tmp_path: Path) -> None:
    path = _write_2019(tmp_path / "a.jsonl")
    code, _, err = _allocate("--cycle", "2019", "--assessments", path)
    assert code == 2 and "missing pool for window(s) standard" in err
    code, _, err = _allocate("--cycle", "2019", "--assessments", path, "--pool", "rural=5",
                             "--pool", "standard=5")
    assert code == 2 and "unknown window 'rural'" in err


def test_other_cycles_are_ignored_and_highest_revision_counts(tmp_path: Path) -> None:
    other = raw(assessment())  # a valid 2021 event
    fail = raw(assessment(event_id="00000000-0000-4000-8000-999999999999", cycle=2019,
                          commune_code="06.141.01.0", revision=2, indicators={},
                          investment_budget_mad=None,
                          conditions={f"MMC{k}": k != 3 for k in range(1, 8)}))
    path = _write_2019(tmp_path / "a.jsonl", [other, fail])
    code, out, _ = _allocate("--cycle", "2019", "--assessments", path, "--pool",
                             "standard=210000000")
    assert code == 0
    casablanca = next(c for c in json.loads(out)["windows"][0]["communes"]
                      if c["code"] == "06.141.01.0")
    assert casablanca == {"code": "06.141.01.0", "eligible": False,
                          "reasons": ["failed_conditions"], "failed_conditions": ["MMC3"],
                          "score": 100, "capped": False, "amount": 0}


def test_explain(tmp_path: Path) -> None:
    path = _write_2019(tmp_path / "a.jsonl")
    result = CliRunner().invoke(main, ["explain", "--cycle", "2019", "--assessments", path,
                                       "--pool", "standard=210000000", "--commune",
                                       "06.141.01.0", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["amount"] == 12_000_000 and data["formula"]["capped"] is True
    assert data["ruleset"]["id"] == "papc-2019" and data["assessment"]["revision"] == 1
    assert "exceeded its cap" in data["summary"]
    result = CliRunner().invoke(main, ["explain", "--cycle", "2019", "--assessments", path,
                                       "--pool", "standard=1", "--commune", "nowhere"])
    assert result.exit_code == 2 and "'nowhere' is not in" in result.stderr


def test_explain_in_words_in_french_and_arabic(tmp_path: Path) -> None:
    fail = raw(assessment(event_id="00000000-0000-4000-8000-999999999999", cycle=2019,
                          commune_code="06.141.01.0", revision=2, indicators={},
                          investment_budget_mad=None,
                          conditions={f"MMC{k}": k != 3 for k in range(1, 8)}))
    path = _write_2019(tmp_path / "a.jsonl", [fail])
    args = ["explain", "--cycle", "2019", "--assessments", path, "--pool", "standard=210000000",
            "--commune", "06.141.01.0", "--format", "text"]
    french = CliRunner().invoke(main, args).stdout
    assert "Non éligible pour ce cycle : conditions minimales non remplies" in french
    assert "condition MMC3 (Programme d'Action de la Commune (PAC) adopté" in french
    assert "non remplie" in french and "failed_conditions" not in french
    arabic = CliRunner().invoke(main, [*args, "--lang", "ar"]).stdout
    assert "غير مؤهلة في هذه الدورة: الشروط الدنيا غير مستوفاة" in arabic
    assert "برنامج عمل الجماعة مصادق عليه" in arabic and "0,00" in arabic
    assert CliRunner().invoke(main, args, env={"PAC_LANG": "ar"}).stdout == arabic
