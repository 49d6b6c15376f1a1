"""The sample program generator (pac_grants.scenario): deterministic, valid, consistent.

A small reference model of events.md's stateful rules (redelivery, revisions, closing,
payments) replays the whole program and must reach, for every message, the dead-letter
code the generator expects, and the final inputs the generator reports.
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
from pac_grants.scenario import Message, Program, generate_program
from pac_grants.scenario.final import to_assessment
from pac_grants.scenario.program import DEMO_POOLS

PHASES = ["reference", "open", "assessments", "close", "appeals", "disbursements", "malformed"]
ENVELOPE = {"event_id", "occurred_at"}


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
        assert message.topic in {"communes", "cycles", "assessments", "disbursements"}
        assert isinstance(message.key, bytes) and isinstance(message.value, bytes)
    for event in events(program, "cycles"):
        assert event["cycle"] in range(2019, 2025)


def test_every_valid_message_decodes_and_every_decidable_fault_gets_its_code(
        scaled: Program) -> None:
    stateful = {"stale_revision", "conflicting_revision", "exceeds_outstanding",
                "cycle_not_closed", "cycle_not_open", "unknown_commune"}
    for message in scaled.messages():
        result = decode(message.value, message.topic)
        if message.expect_rejection in (None, *stateful):
            assert not isinstance(result, Rejection), (result, message.value[:200])
        else:
            assert isinstance(result, Rejection), message.value[:200]
            assert result.code == message.expect_rejection


def test_the_faults_cover_the_dead_letter_codes_of_the_brief(program: Program) -> None:
    codes = {m.expect_rejection for m in program.messages()} - {None}
    assert codes >= {"malformed_json", "schema_violation", "unsupported_schema_version",
                     "unknown_event_type", "value_out_of_range", "missing_indicator",
                     "stale_revision", "conflicting_revision", "unknown_cycle",
                     "cycle_not_closed", "exceeds_outstanding", "message_too_large",
                     "cycle_not_open", "unknown_window", "unknown_commune"}
    large = [m for m in program.messages() if m.expect_rejection == "message_too_large"]
    assert [len(m.value) for m in large] == [64 * 1024 + 1]
    assert json.loads(large[0].value)["event_type"] == "AssessmentSubmitted"


class Reference:
    """events.md's stateful rules, minimally: what each message must do."""

    def __init__(self, program: Program) -> None:
        self.finals = {c: {r.code: r.amount for w in program.final_result(c).windows
                           for r in w.communes} for c in program.cycles}
        self.seen: set[str] = set()
        self.refs: set[str] = set()
        self.closed: set[int] = set()
        self.registered: set[str] = set()
        self.held: dict[tuple[int, str], dict[str, Any]] = {}
        self.paid: dict[tuple[int, str], Decimal] = {}

    def outcome(self, message: Message) -> str | None:
        result = decode(message.value, message.topic)
        if isinstance(result, Rejection):
            return result.code
        event = json.loads(message.value, parse_float=Decimal)
        if event["event_id"] in self.seen:
            return None
        self.seen.add(event["event_id"])
        kind = event["event_type"]
        if kind == "CommuneRegistered":
            self.registered.add(event["code"])
        if kind == "CycleClosed":
            if event["cycle"] in self.closed:
                return "cycle_not_open"
            self.closed.add(event["cycle"])
        if kind == "AssessmentSubmitted":
            return self.assessment(event)
        return self.payment(event) if kind == "DisbursementExecuted" else None

    def assessment(self, event: dict[str, Any]) -> str | None:
        key = (event["cycle"], event["commune_code"])
        held = self.held.get(key)
        if held is not None and event["revision"] < held["revision"]:
            return "stale_revision"
        if held is not None and event["revision"] == held["revision"]:
            same = {k: v for k, v in held.items() if k not in ENVELOPE} == {
                k: v for k, v in event.items() if k not in ENVELOPE}
            return None if same else "conflicting_revision"
        self.held[key] = event
        return None

    def payment(self, event: dict[str, Any]) -> str | None:
        key = (event["cycle"], event["commune_code"])
        if event["commune_code"] not in self.registered:
            return "unknown_commune"
        if event["cycle"] not in self.closed:
            return "cycle_not_closed"
        if event["payment_ref"] in self.refs:
            return None
        amount = Decimal(event["amount_mad"])
        if self.paid.get(key, 0) + amount > self.finals[key[0]].get(key[1], 0):
            return "exceeds_outstanding"
        self.refs.add(event["payment_ref"])
        self.paid[key] = self.paid.get(key, 0) + amount
        return None


@pytest.mark.parametrize("fixture", ["program", "scaled"])
def test_replaying_the_program_gives_every_expected_code_and_the_final_inputs(
        fixture: str, request: pytest.FixtureRequest) -> None:
    program: Program = request.getfixturevalue(fixture)
    reference = Reference(program)
    for phase in program.phases:
        for message in phase.messages:
            assert reference.outcome(message) == message.expect_rejection, (
                phase.name, message.value[:300])
    for cycle in program.cycles:
        _, counting, _ = program.final_inputs(cycle)
        held = {code: e for (c, code), e in reference.held.items() if c == cycle}
        assert {c: e["event_id"] for c, e in counting.items()} == {
            c: e["event_id"] for c, e in held.items()}
    assert reference.paid, "some payments must be accepted"


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
    """Index of the band a value falls in (len(bands): none), rules.md s2."""
    higher = indicator.scoring.better == "higher"
    for n, (threshold, _) in enumerate(indicator.scoring.bands):
        if (threshold <= value) if higher else (threshold >= value):
            return n
    return len(indicator.scoring.bands)


def test_pools_are_the_demo_pools_times_scale_and_one_adjustment(scaled: Program) -> None:
    opened = {e["cycle"]: e["pools"] for e in events(scaled, "cycles", "CycleOpened")}
    assert opened == {c: {w: p * 2 for w, p in DEMO_POOLS[c].items()} for c in range(2019, 2025)}
    [adjusted] = events(scaled, "cycles", "PoolAdjusted")
    assert adjusted == {**adjusted, "cycle": 2022, "window": "standard",
                        "pool_mad": (1_600_000_000 + 50_000_000) * 2}
    assert scaled.final_inputs(2022)[2] == {"standard": 3_300_000_000}
    closed = [e["cycle"] for e in events(scaled, "cycles", "CycleClosed")]
    assert closed == list(range(2019, 2025))


def test_appeals_come_after_closing_and_change_the_inputs(program: Program) -> None:
    appeals = [json.loads(m.value) for m in program.phases[4].messages]
    revisions = [(e["cycle"], e["revision"]) for e in appeals
                 if e["event_type"] == "AssessmentSubmitted"]
    assert {c for c, _ in revisions} == {2021, 2022, 2023} and len(revisions) == 6
    assert all(r >= 2 for _, r in revisions) and any(r == 3 for _, r in revisions)
    [correction] = [e for e in appeals if e["event_type"] == "CommuneRegistered"]
    before = {r["code"]: r for r in program.communes}[correction["code"]]
    assert correction["population"]["2014"] != before["population"]["2014"]
    assert correction["population"]["2024"] == before["population"]["2024"]
    assert correction["code"] in {r["code"]: r for r in program.final_communes}


def test_payments_are_two_decimal_strings_within_final_amounts(program: Program) -> None:
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
    assert len(events(scaled, "communes", "CommuneRegistered")) == 206 + 1


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
    header = (tmp_path / "communes.csv").read_text("utf-8").splitlines()[0]
    assert header == ("code,name_fr,name_ar,region,province,population_2014,population_2024,"
                      "participating")
    finals = (tmp_path / "final.assessments.jsonl").read_bytes().splitlines()
    assert len(finals) == 103 * 6
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    codes = [c for f in manifest["files"] for c in f["expected_rejections"].values()]
    assert len(codes) == sum(1 for m in program.messages() if m.expect_rejection)


def test_cli_writes_the_files_and_reports_bad_arguments_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["scenario", "--out", str(tmp_path), "--cycles", "2019"])
    assert result.exit_code == 0, result.output
    assert "01-reference.communes.jsonl: 103 lines" in result.output
    bad = runner.invoke(main, ["scenario", "--out", str(tmp_path), "--cycles", "2031"])
    assert bad.exit_code == 2 and "cycle 2031" in bad.output and "Traceback" not in bad.output
    assert runner.invoke(main, ["scenario", "--help"]).exit_code == 0


def test_the_written_final_inputs_give_the_final_amounts_offline(program: Program,
                                                                   tmp_path: Path) -> None:
    program.write_jsonl(tmp_path)
    result = CliRunner().invoke(main, [
        "allocate", "--cycle", "2022", "--communes", str(tmp_path / "communes.csv"),
        "--assessments", str(tmp_path / "final.assessments.jsonl"),
        "--pool", "standard=1650000000", "--format", "json"])
    assert result.exit_code == 0, result.output
    [window] = json.loads(result.stdout)["windows"]
    expected = {r.code: r.amount for r in program.final_result(2022).windows[0].communes}
    assert {c["code"]: c["amount"] for c in window["communes"]} == expected


def test_a_won_appeal_makes_a_failing_commune_eligible(program: Program) -> None:
    before = {(e["cycle"], e["commune_code"]): e for e in events(program, "assessments")
              if e["event_id"] not in {json.loads(m.value)["event_id"]
                                       for m in program.phases[4].messages}}
    won = 0
    for message in program.phases[4].messages:
        appeal = json.loads(message.value)
        if appeal["event_type"] != "AssessmentSubmitted":
            continue
        key = (appeal["cycle"], appeal["commune_code"])
        if not all(before[key]["conditions"].values()):
            result = program.final_result(key[0]).commune(key[1])
            assert result is not None and result.eligible
            won += 1
    assert won == 3


def test_timestamps_follow_publication_order_except_redeliveries(program: Program) -> None:
    seen: set[bytes] = set()
    stamps = []
    for message in program.messages():
        if message.value not in seen and message.expect_rejection != "malformed_json":
            stamps.append(json.loads(message.value)["occurred_at"])
        seen.add(message.value)
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
