"""Hostile messages about the money's path (issue 11, docs/events.md s7, docs/rules.md s8).

Thrown at tests/hostile/baseline.py: 2021 approved on 2022-06-30 with its payment orders
(two tranches each, ``papc-2021``) and partly paid; nothing is owed on it; 2022 opened
with ``unallocated: carry_over`` and not approved, 2023 opened after it. One fault each.
"""

from __future__ import annotations

from typing import Any

from tests.hostile.baseline import CLOSED_ON, A, B, closed, event, payment
from tests.hostile.entry import Hostile, one

T1 = f"2021-{A}-T1"


def recovery(name: str, amount: str = "1.00", cycle: int = 2021, code: str = A,
             **fields: Any) -> dict[str, Any]:
    return event(f"recovery:{name}", "disbursements", "RecoveryReceived",
                 recovery_ref=f"TGR-REC-{name}", cycle=cycle, commune_code=code,
                 amount_mad=amount, received_on="2023-02-01") | fields


def entries() -> list[Hostile]:
    pay = payment("TGR-HOSTILE-order", A, "1.00")
    return [
        one("payment of an order that does not exist", "disbursements",
            pay | {"order_id": f"2021-{A}-T9"}, "unknown_order"),
        one("payment of another commune's order", "disbursements",
            payment("TGR-HOSTILE-other", B, "1.00") | {"order_id": T1}, "unknown_order"),
        one("payment beyond an order's unpaid rest", "disbursements",
            payment("TGR-HOSTILE-big", A, "999999999.00") | {"order_id": T1},
            "exceeds_order"),
        one("payment of an order before it was issued", "disbursements",
            payment("TGR-HOSTILE-day", A, "1.00") | {"order_id": T1, "paid_on": "2022-06-29"},
            "paid_before_approval"),
        one("order id of 201 characters", "disbursements",
            payment("TGR-HOSTILE-long", A, "1.00") | {"order_id": "T" * 201},
            "schema_violation"),
        one("recovery of nothing owed", "disbursements", recovery("none"),
            "exceeds_receivable"),
        one("recovery on a cycle never approved", "disbursements",
            recovery("open", cycle=2019), "cycle_not_closed"),
        one("recovery of an unknown commune", "disbursements",
            recovery("who", code="99.999.01.99"), "unknown_commune"),
        one("recovery as a JSON number", "disbursements", recovery("num") | {"amount_mad": 5},
            "invalid_value"),
        one("recovery dated 2023-02-30", "disbursements",
            recovery("date", received_on="2023-02-30"), "invalid_value"),
        one("approval of 2023 before 2022, which carries over to it", "cycles",
            closed(2023, name=":early", closed_on="2024-06-30"), "previous_cycle_open"),
        one("co-financed pool whose parts miss the total", "cycles",
            event("opened:2024:cofinanced", "cycles", "CycleOpened", cycle=2024,
                  ruleset_id="papc-2024", pools={
                      "standard": {"total": 100, "financiers": {"afd": 60, "state": 30}},
                      "grandes_communes": 10}), "invalid_value"),
        one("co-financed pool with an unknown key", "cycles",
            event("opened:2024:cofinanced-key", "cycles", "CycleOpened", cycle=2024,
                  ruleset_id="papc-2024", pools={
                      "standard": {"total": 100, "parts": {"afd": 100}},
                      "grandes_communes": 10}), "schema_violation"),
        one("RecoveryReceived on cycles", "cycles",
            recovery("cycles") | {"cycle": 2021}, "unknown_event_type"),
    ]


assert CLOSED_ON == "2022-06-30"
