"""Payments and recoveries in the independent treasury replay (scenario_treasury).

docs/events.md s7 and s10: a payment names its order or settles the commune's open
orders, oldest due first; a recovery pays back what the commune owes on the cycle. The
checks run in the documented order (unknown references, the cycle's state, the dates,
the amounts) and the first that fails gives the dead-letter code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.unit.scenario_orders import Orders

Event = dict[str, Any]


def centimes(amount: str) -> int:
    return int(Decimal(amount) * 100)


class Payments(Orders):
    """The treasury's messages, judged and posted."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: dict[int, date] = {}  # cycle -> the date it opened
        self.first_closed: dict[int, date] = {}  # cycle -> its first approval
        self.refs: set[str] = set()  # payment and recovery references taken

    def disbursement(self, e: Event, registered: bool) -> str | None:
        if e["payment_ref"] in self.refs:
            return None
        cycle, code = e["cycle"], e["commune_code"]
        order = self.orders.get(e.get("order_id") or "")
        refused = self._known(cycle, registered)
        if refused is None and e.get("order_id") and (order is None or (
                order.cycle, order.code) != (cycle, code)):
            refused = "unknown_order"
        paid_on, amount = date.fromisoformat(e["paid_on"]), centimes(e["amount_mad"])
        if refused is None and paid_on < self.first_closed[cycle]:
            refused = "paid_before_approval"
        if refused is None and order is not None and paid_on < order.issued_on:
            refused = "invalid_value"
        if refused is None and order is not None and amount > order.unpaid:
            refused = "exceeds_order"
        if refused is None and order is None:
            refused = self.settle(cycle, code, amount, paid_on)
        elif refused is None:
            assert order is not None
            order.paid += amount
        if refused is None:
            self.refs.add(e["payment_ref"])
            self.post("disbursement", cycle, paid_on, (f"ordered:{cycle}:{code}", -amount),
                      (f"paid:{cycle}:{code}", amount))
        return refused

    def recovery(self, e: Event, registered: bool) -> str | None:
        if e["recovery_ref"] in self.refs:
            return None
        cycle, code = e["cycle"], e["commune_code"]
        received, amount = date.fromisoformat(e["received_on"]), centimes(e["amount_mad"])
        refused = self._known(cycle, registered)
        since = self.debt_since.get((cycle, code))
        if refused is None and since is not None and received < since:
            refused = "invalid_value"
        if refused is None and amount > -self.balances[f"receivable:{cycle}:{code}"]:
            refused = "exceeds_receivable"
        if refused is None:
            self.refs.add(e["recovery_ref"])
            self.post("recovery", cycle, received, (f"receivable:{cycle}:{code}", amount),
                      (f"paid:{cycle}:{code}", -amount))
        return refused

    def _known(self, cycle: int, registered: bool) -> str | None:
        if cycle not in self.opened:
            return "unknown_cycle"
        if not registered:
            return "unknown_commune"
        return None if cycle in self.first_closed else "cycle_not_closed"
