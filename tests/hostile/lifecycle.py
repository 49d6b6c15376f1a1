"""Hostile messages about a cycle's life (issue 10, docs/events.md s4.3-s4.5, s6, s7.1).

``ResultsNotified``, ``CycleClosed``'s approval fields and ``CycleReopened`` on the
cycles topic; ``ComplaintLodged`` and ``ComplaintDecided`` on the complaints topic; a
payment before the approval. Thrown at tests/hostile/baseline.py: 2019 open and never
notified, 2020 notified with complaint ``PENDING`` open and ``DECIDED`` rejected, 2021
approved on 2022-06-30. One fault each, as in tests/hostile/specific.py.

Changes to an approved cycle (``cycle_closed``): a revision (specific.py), a pool change
(specific.py), a complaint (here), a second approval (specific.py). Two kinds cannot be
one message: a decision of a complaint of an approved cycle (every complaint is decided
before an approval, so it is a repeat or ``conflicting_revision``), and a held assessment
released into an approved cycle (its dead letter carries the held message's position;
tests/unit/test_lifecycle.py covers it).
"""

from __future__ import annotations

from typing import Any

from tests.hostile.baseline import (
    CLOSED_ON,
    DEADLINE,
    DECIDED,
    PENDING,
    A,
    B,
    closed,
    decided,
    event,
    lodged,
    notified,
    payment,
    reopened,
)
from tests.hostile.entry import SQL, Hostile, one

ZEROS = "sha256:" + "0" * 64
BY_STATE = True  # a row's fourth item: its code is decided against the state (entry.py)


def _without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != field}


def cycles() -> list[Hostile]:
    rows: list[tuple[Any, ...]] = [
        ("ResultsNotified, notified_on 15/04/2021", notified(2019, ":fr", "15/04/2021"),
         "invalid_value"),
        ("ResultsNotified, deadline 2021-02-30", notified(2019, ":d", deadline="2021-02-30"),
         "invalid_value"),
        ("ResultsNotified, deadline as a number", notified(2019, ":n") | {
            "complaint_deadline": 20210515}, "invalid_value"),
        ("ResultsNotified, deadline missing", _without(notified(2019, ":m"),
                                                       "complaint_deadline"),
         "schema_violation"),
        ("ResultsNotified, unknown field", notified(2019, ":u") | {"window": "standard"},
         "schema_violation"),
        ("ResultsNotified, deadline before the notification",
         notified(2019, ":b", deadline="2021-04-01"), "invalid_value", BY_STATE),
        ("ResultsNotified of an approved cycle", notified(2021, ":a", "2022-07-01",
                                                          "2022-07-31"), "cycle_not_open"),
        ("ResultsNotified, cycle never opened", notified(2024), "unknown_cycle"),
        ("ResultsNotified, cycle without ruleset", notified(2031), "unknown_cycle"),
        ("CycleClosed, closed_on 30/06/2021", closed(2020, ":fr", closed_on="30/06/2021"),
         "invalid_value"),
        ("CycleClosed, decision_ref of 201 characters",
         closed(2020, ":ref", closed_on="2021-06-30", decision_ref="A" * 201),
         "schema_violation"),
        ("CycleClosed, approved_by as a number", closed(2020, ":by", approved_by=7),
         "schema_violation"),
        ("CycleClosed, inputs_digest not a sha256", closed(2019, ":md5",
                                                           inputs_digest="md5:" + "0" * 32),
         "schema_violation"),
        ("CycleClosed on the complaint deadline", closed(2020, ":w", closed_on=DEADLINE),
         "complaint_window_open"),
        ("CycleClosed before a complaint was decided", closed(2020, ":e",
                                                              closed_on="2021-05-18"),
         "invalid_value", BY_STATE),
        ("CycleClosed with a complaint open", closed(2020, ":o", closed_on="2021-06-30"),
         "complaints_open"),
        ("CycleClosed without closed_on, a complaint open", closed(2020, ":o2"),
         "complaints_open"),
        ("CycleClosed, inputs changed", closed(2019, ":i", inputs_digest=ZEROS),
         "inputs_changed"),
        ("CycleReopened of an open cycle", reopened(2019), "cycle_not_closed"),
        ("CycleReopened of a notified cycle", reopened(2020), "cycle_not_closed"),
        ("CycleReopened before the approval", reopened(2021, ":b", on="2022-06-29"),
         "invalid_value", BY_STATE),
        ("CycleReopened, cycle never opened", reopened(2024), "unknown_cycle"),
        ("CycleReopened, reason missing", _without(reopened(2021, ":r"), "reason"),
         "schema_violation"),
        ("CycleReopened, reopened_on 2022-9-1", reopened(2021, ":d", on="2022-9-1"),
         "invalid_value"),
        ("CycleReopened, a bell in the reason", reopened(2021, ":c") | {"reason": "a\u0007b"},
         "schema_violation"),
        ("CycleReopened, SQL of 300 characters as decision_ref",
         reopened(2021, ":s") | {"decision_ref": (SQL * 8)[:300]}, "schema_violation"),
    ]
    return [one(name, "cycles", body, code, against_state=bool(rest))
            for name, body, code, *rest in rows]


def complaints() -> list[Hostile]:
    rows: list[tuple[Any, ...]] = [
        ("ComplaintLodged, lodged_on 02/05/2021", lodged("REC-H-1", A, on="02/05/2021"),
         "invalid_value"),
        ("ComplaintLodged, lodged_on 2021-02-29", lodged("REC-H-2", A, on="2021-02-29"),
         "invalid_value"),
        ("ComplaintLodged, no subject", lodged("REC-H-3", A, subjects=()),
         "schema_violation"),
        ("ComplaintLodged, subjects as text", lodged("REC-H-4", A) | {"subjects": "A3"},
         "schema_violation"),
        ("ComplaintLodged, 65 subjects", lodged("REC-H-5", A, subjects=("A3",) * 65),
         "schema_violation"),
        ("ComplaintLodged, complaint_id of 201 characters", lodged("R" * 201, A),
         "schema_violation"),
        ("ComplaintLodged, unknown field", lodged("REC-H-6", A) | {"outcome": "upheld"},
         "schema_violation"),
        ("ComplaintLodged, schema_version 2", lodged("REC-H-7", A) | {"schema_version": 2},
         "unsupported_schema_version"),
        ("ComplaintLodged, cycle without ruleset", lodged("REC-H-8", A, cycle=2031),
         "unknown_cycle"),
        ("ComplaintLodged, cycle never opened", lodged("REC-H-9", A, cycle=2024),
         "unknown_cycle"),
        ("ComplaintLodged, commune never registered", lodged("REC-H-10", "99.999.99.99"),
         "unknown_commune"),
        ("ComplaintLodged, unknown indicator", lodged("REC-H-11", A, subjects=("Z9",)),
         "unknown_indicator", BY_STATE),
        ("ComplaintLodged, unknown condition", lodged("REC-H-12", A, subjects=("MMC9",)),
         "unknown_condition", BY_STATE),
        ("ComplaintLodged, SQL as subject", lodged("REC-H-13", A, subjects=(SQL,)),
         "unknown_indicator", BY_STATE),
        ("ComplaintLodged, a cycle never notified",  # 2019 is mmc_only: no indicator
         lodged("REC-H-14", A, cycle=2019, on="2020-05-02", subjects=("MMC5",)),
         "cycle_not_notified"),
        ("ComplaintLodged, an approved cycle", lodged("REC-H-15", A, cycle=2021,
                                                      on="2022-07-01"), "cycle_closed"),
        ("ComplaintLodged after the deadline", lodged("REC-H-16", B, on="2021-05-16"),
         "complaint_late"),
        ("ComplaintLodged before the notification", lodged("REC-H-17", A, on="2021-04-14"),
         "invalid_value", BY_STATE),
        ("ComplaintLodged, same id with other content", lodged(PENDING, A, ":other",
                                                                subjects=("B2",)),
         "conflicting_revision"),
        ("ComplaintDecided, complaint never lodged", decided("REC-H-18", A),
         "unknown_complaint"),
        ("ComplaintDecided, complaint of another commune", decided(PENDING, B, ":b"),
         "unknown_complaint"),
        ("ComplaintDecided, decided again otherwise", decided(DECIDED, B, ":twice",
                                                              outcome="upheld", revision=2),
         "conflicting_revision"),
        ("ComplaintDecided before it was lodged", decided(PENDING, A, ":early", on="2021-05-01"),
         "invalid_value", BY_STATE),
        ("ComplaintDecided, upheld without revision", decided(PENDING, A, ":u",
                                                              outcome="upheld"),
         "schema_violation"),
        ("ComplaintDecided, rejected with a revision", decided(PENDING, A, ":r", revision=2),
         "schema_violation"),
        ("ComplaintDecided, outcome maybe", decided(PENDING, A, ":m", outcome="maybe"),
         "schema_violation"),
        ("ComplaintDecided, decided_on 20/05/2021", decided(PENDING, A, ":fr", on="20/05/2021"),
         "invalid_value"),
        ("ComplaintDecided, revision 0", decided(PENDING, A, ":0", outcome="upheld",
                                                 revision=0), "value_out_of_range"),
        ("CycleClosed on complaints", closed(2020, ":c") | {"commune_code": A},
         "unknown_event_type"),
    ]
    entries = [one(name, "complaints", body, code, against_state=bool(rest))
               for name, body, code, *rest in rows]
    entries.append(one("ComplaintDecided, decided again for another commune", "complaints",
                       decided(DECIDED, A, ":other"), "conflicting_revision", None))
    return entries


def disbursements() -> list[Hostile]:
    early = payment("TGR-HOSTILE-early", A, "1.00") | {"paid_on": "2022-06-29"}
    assert early["paid_on"] < CLOSED_ON
    return [
        one("payment before the approval", "disbursements", early, "paid_before_approval"),
        one("payment on a notified cycle", "disbursements",
            payment("TGR-HOSTILE-notified", A, "1.00", cycle=2020), "cycle_not_closed"),
        one("ResultsNotified on disbursements", "disbursements",
            event("notified:d", "disbursements", "ResultsNotified", cycle=2020,
                  notified_on="2021-04-15", complaint_deadline=DEADLINE),
            "unknown_event_type"),
    ]


def entries() -> list[Hostile]:
    return cycles() + complaints() + disbursements()
