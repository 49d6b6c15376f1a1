"""The valid state the hostile corpus is thrown at (tests/hostile/corpus.py).

Three registered communes; cycle 2021 opened, assessed (commune A with two revisions),
approved on 2022-06-30 without notification, and partly paid; cycle 2019 opened and left
open (never notified), commune A assessed in it with revisions 1 and 3 (2 never came);
cycle 2020 opened, assessed, notified on 2021-04-15 with complaints until 2021-05-15,
complaint :data:`PENDING` of A open and :data:`DECIDED` of B rejected on 2021-05-20;
cycles 2022 and 2023 opened and never assessed; 2024 never opened.
The stateful codes of docs/events.md s9 (stale and conflicting revisions, a second
opening or closing, payments on an open cycle or beyond the outstanding balance,
complaints late or on a cycle not notified, a closing inside the complaint window or
with a complaint open) need exactly this. Phases are processed one after the other:
topics are read concurrently (docs/events.md s1).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from pac_grants.broker import publish

A, B, C = "09.001.01.01", "01.001.01.01", "02.001.01.01"
PAID_REF = "TGR-2022-HOSTILE-1"
CLOSED_ON = "2022-06-30"  # cycle 2021's approval
NOTIFIED_ON, DEADLINE, DECIDED_ON = "2021-04-15", "2021-05-15", "2021-05-20"  # cycle 2020
PENDING, DECIDED = "REC-2020-0001", "REC-2020-0002"
INDICATORS_2021: dict[str, Any] = {
    "A1": 0.82, "A2": True, "A3": 0.64, "B1": 0.91, "B2": 4, "B3": True, "B4": 0.03,
    "C1": True, "C2": 0.8, "C3": True, "C4": 3, "D1": True, "D2": 2, "D3": 1.0, "E1": 0.6,
    "E2": False, "E3": 2}
SOURCES = {"communes": "hcp-ref", "cycles": "dgct-programme", "complaints": "dgct-recours",
           "assessments": "dgct-apa", "disbursements": "tgr"}
#: The key field of each input topic (docs/events.md s1): complaints by commune code.
KEY_FIELDS = publish.KEY_FIELDS | {"complaints": "commune_code"}


@dataclass(frozen=True)
class Valid:
    """One valid input message of the baseline (logical topic, key, value)."""

    topic: str
    key: bytes
    value: bytes


def event_id(name: str) -> str:
    """A deterministic UUID per name: the corpus is the same bytes on every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pac-grants-hostile:{name}"))


def event(name: str, topic: str, event_type: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id(name), "event_type": event_type, "schema_version": 1,
            "occurred_at": "2022-03-01T09:30:00Z", "source": SOURCES[topic], **fields}


def commune(code: str, population: int, name: str = "") -> dict[str, Any]:
    return event(f"commune:{code}{name}", "communes", "CommuneRegistered", code=code,
                 name_fr=f"Commune {code}", name_ar="جماعة", region="Souss-Massa",
                 province="Agadir-Ida-Ou-Tanane",
                 population={"2014": population, "2024": population}, participating=True)


def assessment(code: str, revision: int, name: str = "", **changes: Any) -> dict[str, Any]:
    body = event(f"assessment:{code}:{revision}{name}", "assessments", "AssessmentSubmitted",
                 assessment_id=f"APA-2021-{code}", cycle=2021, commune_code=code,
                 revision=revision, assessed_on="2022-02-14", assessor="Cabinet d'audit",
                 investment_budget_mad=85_000_000,
                 conditions={f"MMC{n}": True for n in range(1, 8)},
                 indicators=dict(INDICATORS_2021))
    return body | changes


def assessment_2019(code: str, revision: int, name: str = "") -> dict[str, Any]:
    """An assessment of the open cycle 2019 (mmc_only: conditions only)."""
    return assessment(code, revision, f":2019{name}", cycle=2019,
                      assessment_id=f"APA-2019-{code}", assessed_on="2020-02-14")


def assessment_2020(code: str, revision: int, name: str = "") -> dict[str, Any]:
    """An assessment of the notified cycle 2020 (the indicators of 2021 fit its window)."""
    return assessment(code, revision, f":2020{name}", cycle=2020,
                      assessment_id=f"APA-2020-{code}", assessed_on="2021-02-14")


def opened(cycle: int, pools: dict[str, int], name: str = "") -> dict[str, Any]:
    return event(f"opened:{cycle}{name}", "cycles", "CycleOpened", cycle=cycle,
                 ruleset_id=f"papc-{cycle}", pools=pools)


def closed(cycle: int, name: str = "", **fields: Any) -> dict[str, Any]:
    return event(f"closed:{cycle}{name}", "cycles", "CycleClosed", cycle=cycle, **fields)


def notified(cycle: int, name: str = "", notified_on: str = NOTIFIED_ON,
             deadline: str = DEADLINE) -> dict[str, Any]:
    return event(f"notified:{cycle}{name}", "cycles", "ResultsNotified", cycle=cycle,
                 notified_on=notified_on, complaint_deadline=deadline)


def reopened(cycle: int, name: str = "", on: str = "2022-09-01") -> dict[str, Any]:
    return event(f"reopened:{cycle}{name}", "cycles", "CycleReopened", cycle=cycle,
                 reopened_on=on, decision_ref="Décision n° 77-22",
                 reason="Late appeal REC-2021-0051 upheld by the steering committee")


def lodged(complaint: str, code: str, name: str = "", cycle: int = 2020,
           on: str = "2021-05-02", subjects: tuple[str, ...] = ("A3",)) -> dict[str, Any]:
    return event(f"lodged:{complaint}{name}", "complaints", "ComplaintLodged",
                 complaint_id=complaint, cycle=cycle, commune_code=code, lodged_on=on,
                 subjects=list(subjects), summary="Taux d'exécution mal calculé")


def decided(complaint: str, code: str, name: str = "", cycle: int = 2020,
            on: str = DECIDED_ON, outcome: str = "rejected", **fields: Any) -> dict[str, Any]:
    return event(f"decided:{complaint}{name}", "complaints", "ComplaintDecided",
                 complaint_id=complaint, cycle=cycle, commune_code=code, decided_on=on,
                 outcome=outcome, **fields)


def payment(ref: str, code: str, amount: Any, cycle: int = 2021) -> dict[str, Any]:
    return event(f"payment:{ref}:{code}:{amount}", "disbursements", "DisbursementExecuted",
                 payment_ref=ref, cycle=cycle, commune_code=code, amount_mad=amount,
                 paid_on=CLOSED_ON)


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def valid(topic: str, body: dict[str, Any]) -> Valid:
    return Valid(topic, str(body[KEY_FIELDS[topic]]).encode("utf-8"), encode(body))


def phases() -> list[list[Valid]]:
    """The baseline, phase by phase."""
    second = INDICATORS_2021 | {"A1": 0.95}
    return [
        [valid("communes", commune(A, 421_844)), valid("communes", commune(B, 300_000)),
         valid("communes", commune(C, 200_000)),
         valid("cycles", opened(2021, {"standard": 10_000_000})),
         valid("cycles", opened(2019, {"standard": 5_000_000})),
         valid("cycles", opened(2020, {"standard": 8_000_000})),
         valid("cycles", opened(2022, {"standard": 6_000_000})),
         valid("cycles", opened(2023, {"standard": 7_000_000}))],
        [valid("assessments", assessment(A, 1)), valid("assessments", assessment(B, 1)),
         valid("assessments", assessment(C, 1)), valid("assessments", assessment_2020(A, 1)),
         valid("assessments", assessment_2020(B, 1))],
        [valid("assessments", assessment(A, 2, indicators=second)),
         valid("assessments", assessment_2019(A, 1)), valid("assessments", assessment_2019(A, 3))],
        [valid("cycles", closed(2021, closed_on=CLOSED_ON, decision_ref="Arrêté n° 1234-22",
                                approved_by="Comité de pilotage")),
         valid("cycles", notified(2020))],
        [valid("disbursements", payment(PAID_REF, A, "1000.00")),
         valid("complaints", lodged(PENDING, A)),
         valid("complaints", lodged(DECIDED, B, on="2021-05-03",
                                    subjects=("MMC5", "population")))],
        [valid("complaints", decided(DECIDED, B))],
    ]
