"""``pac-grants simulate`` and ``pac-grants rulesets`` through the console entry point."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from pac_grants.api.simulation_schemas import Simulation
from pac_grants.cli import main
from pac_grants.simulation.documents import packaged_document
from tests.unit.simulation_support import CYCLES, pool_args, write_files


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return write_files(tmp_path_factory.mktemp("program"))


NO_DATABASE = {"PAC_DATABASE_URL": "sqlite:///no-such-directory/pac.db"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env=NO_DATABASE).invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def simulate(files: tuple[str, str], cycle: int, *args: str) -> tuple[int, str, str]:
    communes, assessments = files
    return run("simulate", "--cycle", str(cycle), "--communes", communes, "--assessments",
               assessments, *pool_args(cycle), *args)


def variant(tmp_path: Path, path: str, value: object, cycle: int = 2023) -> str:
    document = packaged_document(f"papc-{cycle}").with_value(path, value)
    data = document.with_value("id", f"papc-{cycle}-test").data
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return str(tmp_path / "v.yaml")


@pytest.mark.parametrize("cycle", CYCLES)
def test_own_ruleset_on_the_programs_files_changes_nothing(files: tuple[str, str],
                                                           cycle: int) -> None:
    code, out, err = simulate(files, cycle, "--variant", f"papc-{cycle}", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert {c["difference"] for c in data["communes"]} == {0}
    Simulation.model_validate(data)  # the CLI's JSON is the API's response model


def test_json_has_the_shape_of_interfaces_md(files: tuple[str, str], tmp_path: Path) -> None:
    v = variant(tmp_path, "windows.standard.equal_share", "0.35")
    code, out, _ = simulate(files, 2023, "--variant", v, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["cycle"] == 2023
    assert list(data["base"]["ruleset"]) == ["id", "version", "digest"]
    assert data["variant"]["ruleset"]["id"] == "papc-2023-test"
    row = data["communes"][0]
    for key in ("code", "window", "base_amount", "variant_amount", "difference",
                "base_eligible", "variant_eligible", "base_capped", "variant_capped"):
        assert key in row
    assert row["difference"] == row["variant_amount"] - row["base_amount"]
    assert {"eligible", "capped"} <= set(data["totals"]["base"])


def test_csv_and_table(files: tuple[str, str], tmp_path: Path) -> None:
    v = variant(tmp_path, "windows.standard.min_score", 70)
    code, out, _ = simulate(files, 2023, "--variant", v, "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("code,name_fr,name_ar,region,province,window,base_amount")
    assert len(lines) == 104
    code, out, _ = simulate(files, 2023, "--variant", v, "--format", "table")
    assert code == 0 and "windows.standard.min_score: 40 -> 70" in out
    assert "is no longer eligible: score" in out


def test_a_sweep_gives_one_result_per_value(files: tuple[str, str]) -> None:
    code, out, err = simulate(files, 2023, "--vary",
                              "windows.standard.equal_share=0.10:0.30:0.05", "--format", "json")
    assert code == 0, err
    found = json.loads(out)
    assert [d["vary"]["value"] for d in found] == ["0.10", "0.15", "0.20", "0.25", "0.30"]
    assert {c["difference"] for c in found[2]["communes"]} == {0}  # 0.20 is papc-2023's
    code, out, _ = simulate(files, 2023, "--vary",
                            "windows.standard.equal_share=0.10:0.30:0.05", "--format", "csv")
    assert out.splitlines()[0].startswith("value,eligible,capped,allocated")
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == [
        "0.10", "0.15", "0.20", "0.25", "0.30"]


def test_the_workbook_has_typed_cells_and_a_frozen_header(files: tuple[str, str],
                                                          tmp_path: Path) -> None:
    v = variant(tmp_path, "windows.standard.equal_share", "0.35")
    target = tmp_path / "s.xlsx"
    code, _, err = simulate(files, 2023, "--variant", v, "--format", "xlsx",
                            "--output", str(target))
    assert code == 0, err
    book = openpyxl.load_workbook(io.BytesIO(target.read_bytes()))
    assert book.sheetnames == ["communes", "totals", "regions", "provinces", "parameters"]
    sheet = book["communes"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    amount = sheet.cell(row=2, column=header.index("base_amount") + 1)
    assert isinstance(amount.value, int) and amount.number_format == "#,##0"
    totals = {row[0].value: row for row in book["totals"].iter_rows(min_row=2)}
    assert totals["gini"][1].data_type == "n" and totals["gini"][1].number_format == "#,##0.0000"


def test_a_sweep_workbook_leads_with_the_summary(files: tuple[str, str], tmp_path: Path) -> None:
    target = tmp_path / "w.xlsx"
    code, _, err = simulate(files, 2023, "--vary", "windows.standard.min_score=30:50:10",
                            "--format", "xlsx", "--output", str(target))
    assert code == 0, err
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[0] == "sweep"
    assert [r[0].value for r in book["sweep"].iter_rows(min_row=2)] == [30, 40, 50]
    assert book["communes"].max_row == 1 + 3 * 103


@pytest.mark.parametrize(("args", "message"), [
    ((), "--variant is required"),
    (("--variant", "nope"), "'nope' is not a packaged ruleset, and the stored ones cannot be "
                            "read: database file no-such-directory/pac.db does not exist"),
    (("--variant", "papc-2022"), "papc-2022 is for cycle 2022, not 2023"),
    (("--variant", "papc-2023", "--pool", "petites=5"), "unknown window(s) petites"),
    (("--vary", "windows.standard.min_score=0:120:40"), "min_score=120: packaged ruleset "
                                                        "papc-2023.yaml:"),
    (("--vary", "windows.big.min_score=0:1:1"), "windows has no item 'big'"),
    (("--variant", "missing.yaml"), "missing.yaml: cannot read the ruleset"),
])
def test_mistakes_are_one_line_exit_2(files: tuple[str, str], args: tuple[str, ...],
                                      message: str) -> None:
    code, _, err = simulate(files, 2023, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_files_need_pools(files: tuple[str, str]) -> None:
    code, _, err = run("simulate", "--cycle", "2023", "--assessments", files[1],
                       "--variant", "papc-2023")
    assert code == 2 and "give the cycle's pools: --pool WINDOW=MAD" in err
    code, _, err = run("simulate", "--cycle", "2023", "--communes", files[0],
                       "--variant", "papc-2023")
    assert code == 2 and "--communes goes with --assessments" in err


def test_a_variant_window_without_a_pool(files: tuple[str, str], tmp_path: Path) -> None:
    data = packaged_document("papc-2023").with_value("id", "papc-2023-split").data
    standard = data["windows"][0]
    data["windows"] = [standard | {"membership": {"max_population": 500000}},
                       standard | {"id": "grandes", "membership": {"min_population": 500001}}]
    (tmp_path / "split.yaml").write_text(yaml.safe_dump(data), "utf-8")
    code, _, err = simulate(files, 2023, "--variant", str(tmp_path / "split.yaml"))
    assert code == 2 and "window(s) grandes of the variant ruleset" in err
    assert "--pool grandes=MAD" in err


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    assert run("db", "upgrade", "--database-url", url)[0] == 0
    yield url


def test_rulesets_add_and_list(database: str, files: tuple[str, str], tmp_path: Path) -> None:
    v = variant(tmp_path, "windows.standard.equal_share", "0.35")
    code, out, err = run("rulesets", "add", v, "--database-url", database)
    assert code == 0, err
    assert out.startswith("stored papc-2023-test v1 (cycle 2023) sha256:")
    assert out.strip().endswith("refer to it as papc-2023-test")
    code, _, err = run("simulate", "--cycle", "2023", "--variant", "nope", "--database-url",
                       database, "--assessments", files[1], *pool_args(2023))
    assert code == 2 and "no ruleset 'nope' (known: papc-2019, " in err
    code, out, _ = run("rulesets", "list", "--database-url", database, "--format", "json")
    listed = json.loads(out)["rulesets"]
    assert [r["reference"] for r in listed] == [f"papc-{c}" for c in CYCLES] + ["papc-2023-test"]
    code, out, err = simulate(files, 2023, "--variant", "papc-2023-test", "--database-url",
                              database, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["variant"]["ruleset"]["id"] == "papc-2023-test"


def test_rulesets_add_refuses_an_invalid_file(database: str, tmp_path: Path) -> None:
    v = variant(tmp_path, "windows.standard.equal_share", "2")
    code, _, err = run("rulesets", "add", v, "--database-url", database)
    assert code == 2 and f"{v}:" in err and "must be in [0, 1], not 2" in err
