"""Postings and payment orders of the independent treasury replay (scenario_treasury).

docs/ledger.md s3: a transaction is postings that sum to zero; :class:`Orders` keeps
every one it expects (kind, cycle, effective date, postings), the balance of each
account, and the payment orders of docs/rules.md s8.1 with the events of
docs/events.md s8.3 that issuing or cancelling them publishes. Plain integers: a
tranche is floor(a x share) centimes, the last one takes the rest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

Posting = tuple[str, int]  # account, centimes


def mad(centimes: int) -> str:
    """Money text of the outputs (docs/events.md s8.3): ``"6172839.50"``."""
    sign = "-" if centimes < 0 else ""
    return f"{sign}{abs(centimes) // 100}.{abs(centimes) % 100:02d}"


@dataclass(frozen=True)
class Posted:
    kind: str
    cycle: int
    on: date  # effective date
    postings: tuple[Posting, ...]  # sorted


@dataclass
class Order:
    order_id: str
    cycle: int
    code: str
    tranche: str
    approval: int
    issued_on: date
    due_on: date
    gross: int
    offset: int
    amount: int  # net
    cancelled: int = 0
    paid: int = 0

    @property
    def unpaid(self) -> int:
        return self.amount - self.cancelled - self.paid

    def status(self, on: date) -> str:
        """docs/rules.md s8.1, as of ``on``."""
        if self.cancelled == self.amount:
            return "cancelled"
        if self.unpaid == 0:
            return "paid"
        if on > self.due_on:
            return "overdue"
        return "partly_paid" if self.paid else "open"


class Orders:
    """Transactions, balances, orders and their events."""

    def __init__(self) -> None:
        self.posted: list[Posted] = []
        self.balances: Counter[str] = Counter()
        self.orders: dict[str, Order] = {}
        self.by_commune: dict[tuple[int, str], list[Order]] = {}  # in order of issue
        self.published: list[dict[str, Any]] = []  # order events, without envelope
        self.debt_since: dict[tuple[int, str], date] = {}  # the last adjustment that owed

    def post(self, kind: str, cycle: int, on: date, *postings: Posting) -> None:
        assert sum(x for _a, x in postings) == 0, (kind, postings)
        self.posted.append(Posted(kind, cycle, on, tuple(sorted(postings))))
        for account, amount in postings:
            self.balances[account] += amount

    def offset(self, cycle: int, code: str, amount: int, on: date) -> int:
        """What the commune's debts keep from ``amount`` (see Money.offset)."""
        return 0

    def issue(self, cycle: int, code: str, amount: int,
              tranches: tuple[tuple[Fraction, int], ...], prefix: str, on: date,
              approval: int, numbered: bool = True) -> None:
        """Orders for ``amount``: tranche by tranche, offsets taken from T1 first; an
        order whose net is zero is not issued."""
        kept = self.offset(cycle, code, amount, on)
        parts = [amount * share.numerator // share.denominator for share, _d in tranches[:-1]]
        parts.append(amount - sum(parts))
        for k, (gross, (_share, days)) in enumerate(zip(parts, tranches, strict=True), 1):
            taken = min(kept, gross)
            kept -= taken
            tranche = f"{prefix}{k}" if numbered else prefix
            order = Order(f"{cycle}-{code}-{tranche}", cycle, code, tranche, approval, on,
                          on + timedelta(days=days), gross, taken, gross - taken)
            if order.amount == 0:
                continue
            self.orders[order.order_id] = order
            self.by_commune.setdefault((cycle, code), []).append(order)
            self.post("order", cycle, on, (f"payable:{cycle}:{code}", -order.amount),
                      (f"ordered:{cycle}:{code}", order.amount))
            self.published.append({
                "event_type": "PaymentOrderIssued", "order_id": order.order_id,
                "cycle": cycle, "commune_code": code, "tranche": tranche,
                "amount_mad": mad(order.amount), "gross_mad": mad(gross),
                "offset_mad": mad(taken), "due_on": order.due_on.isoformat()})

    def cancel(self, cycle: int, code: str, amount: int, on: date) -> None:
        """Cancel exactly ``amount`` of unpaid orders, latest due first (ties: id
        descending), the last one partly."""
        for order in sorted(self.of(cycle, code), key=lambda o: (o.due_on, o.order_id),
                            reverse=True):
            x = min(order.unpaid, amount)
            if x <= 0:
                continue
            amount -= x
            order.cancelled += x
            self.post("order_cancel", cycle, on, (f"ordered:{cycle}:{code}", -x),
                      (f"payable:{cycle}:{code}", x))
            self.published.append({
                "event_type": "PaymentOrderCancelled", "order_id": order.order_id,
                "cycle": cycle, "commune_code": code, "tranche": order.tranche,
                "amount_mad": mad(x), "remaining_mad": mad(order.unpaid),
                "cancelled_on": on.isoformat()})

    def settle(self, cycle: int, code: str, amount: int, paid_on: date) -> str | None:
        """A payment without ``order_id``: the oldest due orders first; the dead-letter
        code if it cannot (more than they leave unpaid, or before one was issued)."""
        due = self.of(cycle, code)
        if amount > sum(o.unpaid for o in due):
            return "exceeds_outstanding"
        parts = []
        for order in due:
            x = min(order.unpaid, amount)
            if x and paid_on < order.issued_on:
                return "invalid_value"
            if x:
                parts.append((order, x))
            amount -= x
        for order, x in parts:
            order.paid += x
        return None

    def of(self, cycle: int, code: str) -> list[Order]:
        """The commune's orders of the cycle, oldest due first, then by id."""
        return sorted(self.by_commune.get((cycle, code), ()),
                      key=lambda o: (o.due_on, o.order_id))
