"""The sample program's cycle life (issue 10): notification, complaints, approval, a
reference correction after approval, a reopening with a late appeal, business dates.

An independent reference of docs/events.md's rules (scenario_reference.py) replays the
whole program and must reach, for every message, the dead-letter code the generator
expects, and the inputs the generator says each cycle's last approval used.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from pac_grants.rules.ruleset import packaged_ruleset
from pac_grants.scenario import Program, generate_program
from pac_grants.scenario.final import compute, to_commune
from tests.unit.scenario_reference import Reference, content

CYCLES = range(2019, 2025)


@pytest.fixture(scope="module")
def program() -> Program:
    return generate_program(seed=20190)


def phase(program: Program, name: str) -> list[tuple[dict[str, Any], str | None]]:
    """(event, expected code) of the phase's messages."""
    [found] = [p for p in program.phases if p.name == name]
    return [(json.loads(m.value, parse_float=Decimal), m.expect_rejection)
            for m in found.messages]


def accepted(program: Program, name: str, event_type: str) -> list[dict[str, Any]]:
    return [e for e, code in phase(program, name) if code is None
            and e["event_type"] == event_type]


@pytest.mark.parametrize("options", [{"seed": 20190}, {"seed": 7, "scale": 2, "revisions": 1},
                                     {"seed": 4242, "cycles": (2023,), "revisions": 3}])
def test_replaying_the_program_gives_every_expected_code_and_the_final_inputs(
        options: dict[str, Any]) -> None:
    program = generate_program(**options)
    reference = Reference()
    for each in program.phases:
        for message in each.messages:
            assert reference.outcome(message) == message.expect_rejection, (
                each.name, message.value[:300])
    for cycle in program.cycles:
        communes, counting, pools = program.final_inputs(cycle)
        state = reference.cycles[cycle]
        assert state.state == "approved" and state.approvals == program.approvals[cycle]
        assert {c: e["event_id"] for c, e in counting.items()} == {
            code: max(held.values(), key=lambda e: e["revision"])["event_id"]
            for (c, code), held in reference.revisions.items() if c == cycle}
        assert {r["code"]: r for r in communes} == state.frozen
        assert pools == reference.money.effective(cycle, state.pools)
    kinds = Counter(p.kind for p in reference.money.posted)
    assert kinds["order"] and kinds["disbursement"], "orders must be issued and paid"


def test_business_dates_are_the_envelope_dates(program: Program) -> None:
    """occurred_at's date is the event's business date (docs/ledger.md "Business
    dates"): opening in January of N, notification in April of N+1, approval in June."""
    fields = {"ResultsNotified": "notified_on", "CycleClosed": "closed_on",
              "CycleReopened": "reopened_on", "ComplaintLodged": "lodged_on",
              "ComplaintDecided": "decided_on", "DisbursementExecuted": "paid_on",
              "RecoveryReceived": "received_on"}
    for each in program.phases[:-1]:
        for event, _code in phase(program, each.name):
            at = date.fromisoformat(event["occurred_at"][:10])
            kind = event["event_type"]
            if kind in fields and fields[kind] in event:
                assert at == date.fromisoformat(event[fields[kind]]), event
            elif kind == "CycleOpened":
                assert at == date(event["cycle"], 1, 15)
            elif kind == "AssessmentSubmitted" and each.name != "late-appeal":
                assert at == date.fromisoformat(event["assessed_on"])
    firsts = [e for e in accepted(program, "assessments", "AssessmentSubmitted")]
    assert {e["assessed_on"][5:7] for e in firsts} <= {"02", "03", "04"}
    assert all(e["assessed_on"][:4] == str(e["cycle"] + 1) for e in firsts)


def test_every_cycle_but_2019_is_notified_with_a_30_day_window(program: Program) -> None:
    notices = {e["cycle"]: e for e in accepted(program, "notify", "ResultsNotified")}
    assert sorted(notices) == [2020, 2021, 2022, 2023, 2024]
    for cycle, notice in notices.items():
        assert notice["notified_on"] == f"{cycle + 1}-04-15"
        assert date.fromisoformat(notice["complaint_deadline"]) == date(
            cycle + 1, 4, 15) + timedelta(days=30)


def test_complaints_upheld_rejected_late_and_one_that_holds_an_approval_up(
        program: Program) -> None:
    decided = {e["complaint_id"]: e for e in accepted(program, "complaints",
                                                       "ComplaintDecided")}
    lodged = accepted(program, "complaints", "ComplaintLodged")
    late = [e for e, code in phase(program, "complaints") if code == "complaint_late"]
    for cycle in (2021, 2022, 2023):
        outcomes = Counter(decided[e["complaint_id"]]["outcome"] for e in lodged
                           if e["cycle"] == cycle and e["complaint_id"] in decided)
        assert outcomes == {"upheld": 1, "rejected": 1}
        assert [e["cycle"] for e in late].count(cycle) == 1
    [undecided] = [e for e in lodged if e["complaint_id"] not in decided]
    [decision] = accepted(program, "decisions", "ComplaintDecided")
    assert undecided["cycle"] == 2022 and decision["complaint_id"] == undecided["complaint_id"]
    refused = Counter(code for _e, code in phase(program, "early-close"))
    assert refused == {"inputs_changed": 1, "complaints_open": 1, "previous_cycle_open": 1,
                       "complaint_window_open": 1, "cycle_not_closed": 1}
    closings = {e["cycle"]: code for e, code in phase(program, "early-close")
                if e["event_type"] == "CycleClosed"}
    assert closings[2023] == "previous_cycle_open"  # 2022 carries over to it
    assert closings[2024] == "complaint_window_open"


def test_an_upheld_complaint_is_corrected_by_the_revision_it_names(program: Program) -> None:
    corrections = {(e["commune_code"], e["revision"]): e
                   for e in accepted(program, "complaints", "AssessmentSubmitted")}
    upheld = [e for e in accepted(program, "complaints", "ComplaintDecided")
              if e["outcome"] == "upheld"]
    assert len(upheld) == 3
    for decision in upheld:
        fix = corrections[(decision["commune_code"], decision["revision"])]
        assert all(fix["conditions"].values())
        result = program.final_result(decision["cycle"]).commune(decision["commune_code"])
        assert result is not None and result.eligible


def test_every_cycle_is_approved_by_a_recorded_decision(program: Program) -> None:
    """2023 after 2022, which carries over to it; 2024 once 2021's debts are known."""
    rounds = [[e["cycle"] for e in accepted(program, name, "CycleClosed")]
              for name in ("close", "close-next", "close-last")]
    assert rounds == [[2019, 2020, 2021, 2022], [2023], [2024]]
    closings = [e for name in ("close", "close-next", "close-last")
                for e in accepted(program, name, "CycleClosed")]
    for e in closings:
        assert e["closed_on"] == f"{e['cycle'] + 1}-06-30"
        assert e["decision_ref"] == f"Arrêté conjoint n° 12-{e['cycle'] + 1}"
        assert e["approved_by"] == "Comité national de pilotage"
        assert e["inputs_digest"].startswith("sha256:")


def test_after_approval_only_the_reference_correction_is_taken(program: Program) -> None:
    events = phase(program, "after-approval")
    assert Counter((e["event_type"], code) for e, code in events) == {
        ("CommuneRegistered", None): 1, ("AssessmentSubmitted", "cycle_closed"): 2,
        ("PoolAdjusted", "cycle_closed"): 1, ("ComplaintLodged", "cycle_closed"): 1}
    [correction] = [e for e, _code in events if e["event_type"] == "CommuneRegistered"]
    before = {r["code"]: r for r in program.communes}[correction["code"]]
    assert correction["population"]["2014"] != before["population"]["2014"]
    assert correction["population"]["2024"] == before["population"]["2024"]
    assert content(correction) in program.final_communes
    for cycle in (2019, 2020, 2022, 2023):  # approved before it: frozen without it
        assert program.frozen[cycle] == program.communes
    for cycle in (2021, 2024):  # re-approved after it; approved after it (2024 census)
        assert program.frozen[cycle] == program.final_communes


def test_the_correction_would_have_changed_approved_cycles(program: Program) -> None:
    """So that freezing matters: with the corrected data, 2020's amounts would move."""
    communes, events, pools = program.final_inputs(2020)
    ruleset = packaged_ruleset(2020)
    assert ruleset is not None and communes != program.final_communes
    with_correction = compute(ruleset, program.final_communes, events, pools)
    frozen = program.final_result(2020)
    assert [to_commune(r) for r in communes] != [to_commune(r) for r in program.final_communes]
    assert {c.code: c.amount for w in with_correction.windows for c in w.communes} != {
        c.code: c.amount for w in frozen.windows for c in w.communes}


def test_2021_is_reopened_for_its_late_appeal_and_approved_again(program: Program) -> None:
    [late] = [e for e, code in phase(program, "complaints")
              if code == "complaint_late" and e["cycle"] == 2021]
    [reopened] = accepted(program, "reopen", "CycleReopened")
    assert reopened["cycle"] == 2021 and reopened["reopened_on"] == "2022-09-01"
    assert late["complaint_id"] in reopened["reason"] and reopened["decision_ref"]
    [early] = [e for e, code in phase(program, "after-approval")
               if code == "cycle_closed" and e.get("commune_code") == late["commune_code"]
               and e["event_type"] == "AssessmentSubmitted"]
    [again] = accepted(program, "late-appeal", "AssessmentSubmitted")
    assert content(again) == content(early) and again["event_id"] != early["event_id"]
    [closing] = accepted(program, "re-close", "CycleClosed")
    assert (closing["cycle"], closing["closed_on"]) == (2021, "2022-09-30")
    assert program.approvals[2021] == [date(2022, 6, 30), date(2022, 9, 30)]
    result = program.final_result(2021).commune(late["commune_code"])
    assert result is not None and result.eligible


def test_payments_follow_the_approvals_within_the_grants(program: Program) -> None:
    """Phase ``payments``: 2021 before its reopening; ``disbursements``: after each
    cycle's last approval. What a commune was paid never exceeds its first grant; what
    it kept past its final grant, it owes (docs/ledger.md s4)."""
    paid: Counter[tuple[int, str]] = Counter()
    refs: set[str] = set()
    for name, start, end in (("payments", 0, 1), ("disbursements", -1, None)):
        for e, code in phase(program, name):
            day = date.fromisoformat(e["paid_on"])
            if code is None and e["payment_ref"] not in refs:  # the same ref again: no effect
                refs.add(e["payment_ref"])
                assert day > program.approvals[e["cycle"]][start]
                if end is not None:
                    assert e["cycle"] == 2021 and day < program.approvals[2021][end]
                paid[(e["cycle"], e["commune_code"])] += int(Decimal(e["amount_mad"]) * 100)
            if code == "paid_before_approval":
                assert day < program.approvals[e["cycle"]][0]
    firsts = {(c, r.code): r.amount * 100 for c in CYCLES
              for w in program.final_result(c).windows for r in w.communes}
    assert paid and all(0 < centimes <= firsts[key] for key, centimes in paid.items()
                        if key[0] != 2021)
