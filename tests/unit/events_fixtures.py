"""Valid events of every type (the examples of docs/events.md), as dicts to mutate in tests."""

from __future__ import annotations

import json
from typing import Any

ENVELOPE = {"event_id": "3f1c9a52-8d0e-4c53-9a4e-0c1f0b7d2a61", "schema_version": 1,
            "occurred_at": "2022-03-01T09:30:00Z", "source": "dgct-apa"}

INDICATORS_2021 = {"A1": "0.82", "A2": True, "A3": "0.64", "B1": "0.91", "B2": 4, "B3": True,
                   "B4": "0.03", "C1": True, "C2": "0.8", "C3": True, "C4": 3, "D1": True,
                   "D2": 2, "D3": "1.0", "E1": "0.6", "E2": False, "E3": 2}


def event(event_type: str, **fields: Any) -> dict[str, Any]:
    return {**ENVELOPE, "event_type": event_type, **fields}


def assessment(**overrides: Any) -> dict[str, Any]:
    base = event("AssessmentSubmitted", assessment_id="APA-2021-09.001.01.01", cycle=2021,
                 commune_code="09.001.01.01", revision=1, assessed_on="2022-02-14",
                 assessor="Cabinet d'audit", investment_budget_mad=85000000,
                 conditions={f"MMC{n}": True for n in range(1, 8)},
                 indicators=dict(INDICATORS_2021))
    return base | overrides


def commune(**overrides: Any) -> dict[str, Any]:
    return event("CommuneRegistered", code="09.001.01.01", name_fr="Agadir", name_ar="أكادير",
                 region="Souss-Massa", province="Agadir-Ida-Ou-Tanane",
                 population={"2014": 421844, "2024": 504768}, participating=True) | overrides


def cycle_opened(**overrides: Any) -> dict[str, Any]:
    return event("CycleOpened", cycle=2021, ruleset_id="papc-2021",
                 pools={"standard": 1500000000}) | overrides


def disbursement(**overrides: Any) -> dict[str, Any]:
    return event("DisbursementExecuted", payment_ref="TGR-2022-000123", cycle=2021,
                 commune_code="09.001.01.01", amount_mad="4500000.00",
                 paid_on="2022-06-30") | overrides


def raw(data: dict[str, Any]) -> bytes:
    """JSON text with decimal strings written as JSON numbers where the test wants it."""
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
