"""One valid example message per input event, whole (envelope included).

They go into the generated schemas and the AsyncAPI document, and
tests/unit/test_contract.py decodes each one with ``models.decode`` on its topic: an
example that the calculator would refuse fails the tests. An event of the models
without an example here fails them too, naming it.
"""

from __future__ import annotations

from typing import Any


def _envelope(n: int, event_type: str, occurred_at: str, source: str) -> dict[str, Any]:
    return {"event_id": f"3f1c9a52-8d0e-4c53-9a4e-0c1f0b7d2a{n:02d}", "event_type": event_type,
            "schema_version": 1, "occurred_at": occurred_at, "source": source}


_INDICATORS = {"A1": 0.82, "A2": True, "A3": 0.64, "B1": 0.91, "B2": 4, "B3": True,
               "B4": 0.03, "C1": True, "C2": 0.8, "C3": True, "C4": 3, "D1": True, "D2": 2,
               "D3": 1.0, "E1": 0.6, "E2": False, "E3": 2}

EXAMPLES: dict[str, dict[str, Any]] = {
    "CommuneRegistered": _envelope(1, "CommuneRegistered", "2021-01-04T08:00:00Z", "hcp-ref") | {
        "code": "09.001.01.01", "name_fr": "Agadir", "name_ar": "أكادير",
        "region": "Souss-Massa", "province": "Agadir-Ida-Ou-Tanane",
        "population": {"2014": 421844, "2024": 504768}, "participating": True},
    "CycleOpened": _envelope(2, "CycleOpened", "2021-01-11T09:00:00+01:00", "dgct-programme") | {
        "cycle": 2021, "ruleset_id": "papc-2021", "pools": {"standard": 1500000000}},
    "PoolAdjusted": _envelope(3, "PoolAdjusted", "2021-11-02T10:00:00Z", "dgct-programme") | {
        "cycle": 2021, "window": "standard", "pool_mad": 1550000000},
    "ResultsNotified": _envelope(4, "ResultsNotified", "2022-04-15T10:00:00Z",
                                 "dgct-programme") | {
        "cycle": 2021, "notified_on": "2022-04-15", "complaint_deadline": "2022-05-15"},
    "CycleClosed": _envelope(5, "CycleClosed", "2022-06-30T16:00:00Z", "dgct-programme") | {
        "cycle": 2021},
    "CycleReopened": _envelope(6, "CycleReopened", "2022-09-01T09:00:00Z", "dgct-programme") | {
        "cycle": 2021, "reopened_on": "2022-09-01", "decision_ref": "Décision n° 77-22",
        "reason": "Late appeal REC-2021-0051 upheld by the steering committee"},
    "AssessmentSubmitted": _envelope(7, "AssessmentSubmitted", "2022-03-01T09:30:00Z",
                                     "dgct-apa") | {
        "assessment_id": "APA-2021-09.001.01.01", "cycle": 2021,
        "commune_code": "09.001.01.01", "revision": 1, "assessed_on": "2022-02-14",
        "assessor": "Cabinet d'audit", "investment_budget_mad": 85000000,
        "conditions": {f"MMC{n}": True for n in range(1, 8)}, "indicators": _INDICATORS},
    "ComplaintLodged": _envelope(8, "ComplaintLodged", "2022-05-02T11:00:00Z",
                                 "dgct-complaints") | {
        "complaint_id": "REC-2021-0042", "cycle": 2021, "commune_code": "09.001.01.01",
        "lodged_on": "2022-05-02", "subjects": ["A3", "MMC5"],
        "summary": "Investment execution rate miscounted"},
    "ComplaintDecided": _envelope(9, "ComplaintDecided", "2022-05-20T15:00:00Z",
                                  "dgct-complaints") | {
        "complaint_id": "REC-2021-0042", "cycle": 2021, "commune_code": "09.001.01.01",
        "decided_on": "2022-05-20", "outcome": "upheld", "revision": 2},
    "DisbursementExecuted": _envelope(10, "DisbursementExecuted", "2022-07-15T12:00:00Z",
                                      "tgr") | {
        "payment_ref": "TGR-2022-000123", "cycle": 2021, "commune_code": "09.001.01.01",
        "amount_mad": "4500000.00", "paid_on": "2022-07-15"},
    "RecoveryReceived": _envelope(11, "RecoveryReceived", "2023-02-01T10:00:00Z", "tgr") | {
        "recovery_ref": "TGR-REC-2023-007", "cycle": 2021, "commune_code": "09.001.01.01",
        "amount_mad": "1250000.00", "received_on": "2023-02-01"},
}
