"""The payment orders the program's approvals will issue, so its payments fit them.

The ledger issues orders from each approval (docs/rules.md s8): one per tranche of the
ruleset at a first approval; at a re-approval an order ``A{n}`` for an increase (after
clearing what the commune owes on that cycle) and cancellations of unpaid orders, latest
due first, for a decrease, what they cannot absorb becoming money to recover; with
``recovery: offset_next_cycle`` a later approval keeps what a commune owes from its new
grant, from tranche T1 on. :class:`OrderBook` follows the same rules over the amounts the
generator computes, and the payments it makes (naming an order or not, which settles
the oldest due first), so that every payment it generates is within what the ledger
will hold, and every over-payment it wants refused exceeds it by exactly one centime.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from pac_grants.rules.payment import INCREASE_DUE_DAYS, Tranche, split_tranches
from pac_grants.rules.ruleset import Ruleset


@dataclass
class Order:
    order_id: str
    cycle: int
    code: str
    tranche: str  # T1, T2, ... or A1, A2, ...
    issued_on: date
    due_on: date
    amount: int  # centimes, net of any offset
    unpaid: int


#: An increase at a re-approval: one order of all of it, due 30 days after.
INCREASE = (Tranche(Fraction(1), INCREASE_DUE_DAYS),)


class OrderBook:
    """Orders, grants, payments and debts per (cycle, commune), in centimes."""

    def __init__(self, rulesets: dict[int, Ruleset]) -> None:
        self.rulesets = rulesets
        self.orders: dict[str, Order] = {}
        self._of: dict[tuple[int, str], list[Order]] = {}  # by cycle and commune, due order
        self.grants: dict[int, dict[str, int]] = {}  # cycle -> commune -> grant
        self.owed: Counter[tuple[int, str]] = Counter()  # what a commune owes on a cycle
        self.paid: Counter[tuple[int, str]] = Counter()
        self.offsets: list[tuple[int, str, int, int]] = []  # (cycle M, commune, N, y)

    def approve(self, cycle: int, grants: dict[str, int], on: date) -> None:
        """Orders (or cancellations) for the approval of ``cycle`` on ``on``."""
        before = self.grants.get(cycle)
        self.grants[cycle] = dict(grants)
        tranches = self.rulesets[cycle].payment.tranches
        if before is None:
            for code, grant in sorted(grants.items()):
                self._issue(cycle, code, grant, tranches, "T", on)
            return
        for code in sorted(set(before) | set(grants)):
            change = grants.get(code, 0) - before.get(code, 0)
            if change < 0:
                self.owed[(cycle, code)] += -change - self._cancel(cycle, code, -change)
            elif change > 0:
                cleared = min(change, self.owed[(cycle, code)])
                self.owed[(cycle, code)] -= cleared
                if change > cleared:
                    self._issue(cycle, code, change - cleared, INCREASE,
                                f"A{self._increases(cycle, code)}", on)

    def _issue(self, cycle: int, code: str, amount: int, tranches: tuple[Tranche, ...],
               prefix: str, on: date) -> None:
        kept = self._offset(cycle, code, amount)
        for k, gross in enumerate(split_tranches(amount, tranches), start=1):
            taken = min(kept, gross)
            kept -= taken
            name = f"{prefix}{k}" if prefix == "T" else prefix
            if gross > taken:  # a net of zero is not issued
                order = Order(f"{cycle}-{code}-{name}", cycle, code, name, on,
                              on + timedelta(days=tranches[k - 1].due_days), gross - taken,
                              gross - taken)
                self.orders[order.order_id] = order
                mine = self._of.setdefault((cycle, code), [])
                mine.append(order)
                mine.sort(key=lambda o: (o.due_on, o.order_id))

    def _offset(self, cycle: int, code: str, amount: int) -> int:
        """Debts on earlier cycles that offset them, oldest first, kept from ``amount``."""
        kept = 0
        for owed_cycle in sorted(c for c in self.rulesets if c < cycle):
            owed = self.owed[(owed_cycle, code)]
            policy = self.rulesets[owed_cycle].payment.recovery
            if owed <= 0 or kept >= amount or policy != "offset_next_cycle":
                continue
            y = min(owed, amount - kept)
            kept += y
            self.owed[(owed_cycle, code)] -= y
            self.paid[(owed_cycle, code)] -= y
            self.paid[(cycle, code)] += y
            self.offsets.append((cycle, code, owed_cycle, y))
        return kept

    def _cancel(self, cycle: int, code: str, amount: int) -> int:
        """Cancel up to ``amount`` of unpaid orders, latest due first; returns how much."""
        cancelled = 0
        for order in sorted(self.of(cycle, code), key=lambda o: (o.due_on, o.order_id),
                            reverse=True):
            x = min(order.unpaid, amount - cancelled)
            order.unpaid -= x
            cancelled += x
        return cancelled

    def _increases(self, cycle: int, code: str) -> int:
        return 1 + sum(1 for o in self.of(cycle, code) if o.tranche.startswith("A"))

    def of(self, cycle: int, code: str) -> list[Order]:
        """The commune's orders of the cycle, oldest due first (then by id)."""
        return list(self._of.get((cycle, code), ()))

    def unpaid(self, cycle: int, code: str) -> int:
        return sum(o.unpaid for o in self.of(cycle, code))

    def pay(self, cycle: int, code: str, amount: int, order_id: str | None) -> None:
        """A payment of the named order, or of the oldest due ones."""
        assert amount <= (self.orders[order_id].unpaid if order_id else
                          self.unpaid(cycle, code)), "a payment beyond what is ordered"
        self.paid[(cycle, code)] += amount
        for order in [self.orders[order_id]] if order_id else self.of(cycle, code):
            x = min(order.unpaid, amount)
            order.unpaid -= x
            amount -= x

    def recover(self, cycle: int, code: str, amount: int) -> None:
        assert amount <= self.owed[(cycle, code)], "a refund beyond what is owed"
        self.owed[(cycle, code)] -= amount
        self.paid[(cycle, code)] -= amount
