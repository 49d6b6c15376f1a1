"""The sample program generator (pac_grants.scenario): deterministic, valid, its files.

The lifecycle of the program (replayed with an independent reference, and fed to the
pipeline's batch handler) is in test_scenario_lifecycle.py and test_scenario_pipeline.py.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from models.decode import Rejection, decode
from pac_grants.cli import main
from pac_grants.rules.ruleset import packaged_ruleset
from pac_grants.rules.scoring import check_assessment
from pac_grants.scenario import Program, generate_program
from pac_grants.scenario.final import to_assessment
from pac_grants.scenario.program import DEMO_POOLS

PHASES = ["reference", "open", "assessments", "notify", "complaints", "early-close",
          "decisions", "close", "close-next", "payments", "after-approval", "reopen",
          "late-appeal", "re-close", "recoveries", "close-last", "disbursements", "malformed"]
KEYS = {"communes": "code", "cycles": "cycle", "complaints": "commune_code",
        "assessments": "commune_code", "disbursements": "commune_code"}
#: Codes that need the state: decoding alone accepts the message.
STATEFUL = {"stale_revision", "conflicting_revision", "exceeds_outstanding", "cycle_not_closed",
            "cycle_not_open", "unknown_commune", "cycle_closed", "cycle_not_notified",
            "complaint_late", "complaints_open", "complaint_window_open", "unknown_complaint",
            "paid_before_approval", "inputs_changed", "previous_cycle_open", "unknown_order",
            "exceeds_order", "exceeds_receivable"}
#: Codes decided by decoding an assessment, but by the state for these topics: a
#: complaint's subjects need the commune's window, a reopening's date the approval's.
STATEFUL_ON = {("complaints", "unknown_indicator"), ("cycles", "invalid_value")}


@pytest.fixture(scope="module")
def program() -> Program:
    return generate_program(seed=20190)


@pytest.fixture(scope="module")
def scaled() -> Program:
    return generate_program(seed=7, scale=2, revisions=1)


def events(program: Program, topic: str, event_type: str | None = None) -> list[dict[str, Any]]:
    return [json.loads(m.value, parse_float=Decimal) for m in program.messages()
            if m.topic == topic and m.expect_rejection is None
            and (event_type is None or json.loads(m.value)["event_type"] == event_type)]


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(program: Program) -> None:
    again = generate_program(seed=20190)
    assert [p.messages for p in again.phases] == [p.messages for p in program.phases]
    other = generate_program(seed=20191)
    assert [m.value for m in other.messages()] != [m.value for m in program.messages()]


def test_phases_in_order_with_logical_topics_and_keys(program: Program) -> None:
    assert [p.name for p in program.phases] == PHASES
    for message in program.messages():
        assert message.topic in KEYS
        assert isinstance(message.key, bytes) and isinstance(message.value, bytes)
        if message.expect_rejection not in ("malformed_json", "message_too_large"):
            event = json.loads(message.value)
            assert message.key == str(event[KEYS[message.topic]]).encode(), event
    for event in events(program, "cycles"):
        assert event["cycle"] in range(2019, 2025)


def test_every_valid_message_decodes_and_every_decidable_fault_gets_its_code(
        scaled: Program) -> None:
    for message in scaled.messages():
        result = decode(message.value, message.topic)
        if message.expect_rejection in (None, *STATEFUL) or (
                message.topic, message.expect_rejection) in STATEFUL_ON:
            assert not isinstance(result, Rejection), (result, message.value[:200])
        else:
            assert isinstance(result, Rejection), message.value[:200]
            assert result.code == message.expect_rejection


def test_the_faults_cover_the_dead_letter_codes(program: Program) -> None:
    codes = {m.expect_rejection for m in program.messages()} - {None}
    assert codes >= {"malformed_json", "schema_violation", "unsupported_schema_version",
                     "unknown_event_type", "value_out_of_range", "missing_indicator",
                     "stale_revision", "conflicting_revision", "unknown_cycle",
                     "cycle_not_closed", "exceeds_outstanding", "message_too_large",
                     "cycle_not_open", "unknown_window", "unknown_commune", "cycle_closed",
                     "cycle_not_notified", "complaint_late", "complaints_open",
                     "complaint_window_open", "unknown_complaint", "paid_before_approval",
                     "inputs_changed", "previous_cycle_open", "unknown_order", "exceeds_order",
                     "exceeds_receivable"}
    large = [m for m in program.messages() if m.expect_rejection == "message_too_large"]
    assert [len(m.value) for m in large] == [64 * 1024 + 1]
    assert json.loads(large[0].value)["event_type"] == "AssessmentSubmitted"


def test_assessments_are_valid_in_the_window_of_their_commune(scaled: Program) -> None:
    registry = {row["code"]: row for row in scaled.communes}
    for event in events(scaled, "assessments"):
        ruleset = packaged_ruleset(event["cycle"])
        assert ruleset is not None
        population = registry[event["commune_code"]]["population"][
            str(ruleset.population_census)]
        window = ruleset.window_of(population)
        assert window is not None
        check_assessment(ruleset, to_assessment(event), window.id)
        if event["cycle"] == 2024:
            expected = "standard" if population <= 500_000 else "grandes_communes"
            assert window.id == expected
        if window.cap_budget_ratio is not None:
            assert isinstance(event["investment_budget_mad"], int)


def test_the_2024_window_border_is_exercised_at_scale(scaled: Program) -> None:
    populations = {row["population"]["2024"] for row in scaled.communes}
    assert {500_000, 500_001} <= populations


def test_band_values_cover_every_band_and_every_edge_with_its_exact_text(
        program: Program) -> None:
    texts: dict[tuple[int, str], set[str]] = {}
    for message in program.messages():
        if message.expect_rejection is None and message.topic == "assessments":
            for name, text in re.findall(rb'"([A-Z][0-9])":(-?[0-9.]+)', message.value):
                cycle = json.loads(message.value)["cycle"]
                texts.setdefault((cycle, name.decode()), set()).add(text.decode())
    for cycle in program.cycles:
        ruleset = packaged_ruleset(cycle)
        assert ruleset is not None
        for window in ruleset.windows:
            for indicator in window.indicators:
                if indicator.scoring.kind != "bands":
                    continue
                seen = texts[(cycle, indicator.id)]
                assert {format(t, "f") for t, _ in indicator.scoring.bands} <= seen
                bands = {_band(indicator, Decimal(t)) for t in seen}
                assert bands == set(range(len(indicator.scoring.bands) + 1)), indicator.id


def _band(indicator: Any, value: Decimal) -> int:
    """Index of the band a value falls in (len(bands): none), docs/rules.md s2."""
    higher = indicator.scoring.better == "higher"
    for n, (threshold, _) in enumerate(indicator.scoring.bands):
        if (threshold <= value) if higher else (threshold >= value):
            return n
    return len(indicator.scoring.bands)


def test_payments_are_two_decimal_strings(program: Program) -> None:
    amounts = [e["amount_mad"] for e in events(program, "disbursements")]
    assert amounts and all(re.fullmatch(r"[0-9]+\.[0-9]{2}", a) for a in amounts)
    assert all(Decimal(a) > 0 for a in amounts)


def test_about_one_assessment_in_twelve_fails_a_condition(program: Program) -> None:
    first = [e for e in events(program, "assessments") if e["revision"] == 1]
    failing = sum(1 for e in first if not all(e["conditions"].values()))
    assert 0.04 < failing / len(first) < 0.13
    assert all(list(e["conditions"].values()).count(False) <= 1 for e in first)


def test_scale_makes_distinct_codes_suffixed_names_and_jittered_populations(
        scaled: Program) -> None:
    codes = [row["code"] for row in scaled.communes]
    assert len(codes) == len(set(codes)) == 206
    copy = {r["code"]: r for r in scaled.communes}["06.141.02.0"]
    assert copy["name_fr"] == "Casablanca 2" and copy["region"] == "Casablanca-Settat"
    assert copy["population"]["2014"] != 3357173
    assert len(events(scaled, "communes", "CommuneRegistered")) == 206 + 1  # a correction


def test_revisions_add_one_assessment_per_commune_and_cycle_each(program: Program) -> None:
    one = sum(1 for m in program.phases[2].messages if m.topic == "assessments")
    more = generate_program(seed=20190, revisions=2, cycles=[2021])
    three = sum(1 for m in more.phases[2].messages if m.topic == "assessments")
    assert 103 * 6 <= one <= 103 * 6 * 1.2
    assert 103 * 3 <= three <= 103 * 3 * 1.1
    assert more.cycles == (2021,) and more.final_inputs(2021)[1]


def test_unknown_cycle_or_bad_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError, match="cycle 2018"):
        generate_program(cycles=[2018])
    with pytest.raises(ValueError, match="scale"):
        generate_program(scale=0)


def test_write_jsonl_writes_one_file_per_phase_and_topic(program: Program, tmp_path: Path) -> None:
    written = dict(program.write_jsonl(tmp_path))
    lines = (tmp_path / "03-assessments.assessments.jsonl").read_bytes().splitlines()
    assert lines == [m.value for m in program.phases[2].messages if m.topic == "assessments"]
    assert written[tmp_path / "01-reference.communes.jsonl"] == 103
    assert written[tmp_path / "05-complaints.complaints.jsonl"] > 0
    header = (tmp_path / "communes.csv").read_text("utf-8").splitlines()[0]
    assert header == ("code,name_fr,name_ar,region,province,population_2014,population_2024,"
                      "participating")
    for cycle in program.cycles:
        assert written[tmp_path / f"communes-{cycle}.csv"] == 103
    finals = (tmp_path / "final.assessments.jsonl").read_bytes().splitlines()
    assert len(finals) == 103 * 6
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    codes = [c for f in manifest["files"] for c in f["expected_rejections"].values()]
    assert len(codes) == sum(1 for m in program.messages() if m.expect_rejection)
    assert manifest["approvals"]["2021"] == ["2022-06-30", "2022-09-30"]


def test_cli_writes_the_files_and_reports_bad_arguments_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["scenario", "--out", str(tmp_path), "--cycles", "2019"])
    assert result.exit_code == 0, result.output
    assert "01-reference.communes.jsonl: 103 lines" in result.output
    bad = runner.invoke(main, ["scenario", "--out", str(tmp_path), "--cycles", "2031"])
    assert bad.exit_code == 2 and "cycle 2031" in bad.output and "Traceback" not in bad.output
    assert runner.invoke(main, ["scenario", "--help"]).exit_code == 0


@pytest.mark.parametrize("cycle", [2021, 2022, 2023])
def test_the_written_frozen_inputs_give_the_final_amounts_offline(
        program: Program, tmp_path: Path, cycle: int) -> None:
    """``communes-CYCLE.csv``: the data of the cycle's last approval (2022: before the
    correction; 2021, approved again after it: with it), and its effective pool (2022:
    without what it carried over; 2023: with it)."""
    program.write_jsonl(tmp_path)
    pool = program.pools[cycle]["standard"]
    result = CliRunner().invoke(main, [
        "allocate", "--cycle", str(cycle), "--communes", str(tmp_path / f"communes-{cycle}.csv"),
        "--assessments", str(tmp_path / "final.assessments.jsonl"),
        "--pool", f"standard={pool}", "--format", "json"])
    assert result.exit_code == 0, result.output
    [window] = json.loads(result.stdout)["windows"]
    expected = {r.code: r.amount for r in program.final_result(cycle).windows[0].communes}
    assert {c["code"]: c["amount"] for c in window["communes"]} == expected


def test_pools_are_the_demo_pools_times_scale_and_one_change_before_approval(
        scaled: Program) -> None:
    """docs/events.md s4.1: co-financed windows name their financiers (2023, 2024
    standard); the World Bank and AFD join 2022 before its approval."""
    opened = {e["cycle"]: e["pools"] for e in events(scaled, "cycles", "CycleOpened")}
    assert {c: {w: p["total"] if isinstance(p, dict) else p for w, p in pools.items()}
            for c, pools in opened.items()} == {
        c: {w: p * 2 for w, p in DEMO_POOLS[c].items()} for c in range(2019, 2025)}
    assert opened[2024]["standard"] == {"total": 2_600_000_000, "financiers": {
        "afd": 600_000_000, "state": 400_000_000, "world_bank": 1_600_000_000}}
    assert opened[2024]["grandes_communes"] == 1_000_000_000
    for pools in opened.values():
        for pool in pools.values():
            if isinstance(pool, dict):
                assert sum(pool["financiers"].values()) == pool["total"]
    changes = [(json.loads(m.value), m.expect_rejection) for m in scaled.messages()
               if b'"PoolAdjusted"' in m.value]
    [adjusted] = [e for e, code in changes if code is None]
    assert adjusted == {**adjusted, "cycle": 2022, "window": "standard", "pool_mad": {
        "total": 6_000_000_000, "financiers": {"afd": 800_000_000, "state": 3_200_000_000,
                                               "world_bank": 2_000_000_000}}}
    assert adjusted["occurred_at"] < "2023-06-30"  # before its approval
    carried = scaled.carried[2022]["standard"]
    assert scaled.final_inputs(2022)[2] == {"standard": 6_000_000_000 - carried}
    assert {code for _e, code in changes} == {None, "cycle_closed", "unknown_window"}


def test_2022_carries_what_its_caps_leave_over_to_2023(scaled: Program) -> None:
    """papc-2022 ``unallocated: carry_over``: every eligible commune of 2022 gets its cap,
    the rest of the pool goes to 2023, which shares its own pool plus it."""
    carried = scaled.carried[2022]["standard"]
    result = scaled.final_result(2022).windows[0]
    assert carried > 0 and result.allocated + carried == 6_000_000_000
    assert all(c.amount == c.cap for c in result.communes if c.eligible)
    assert scaled.pools[2023] == {"standard": 3_400_000_000 + carried}
