"""An independent replay of the money's path, for the sample program's references.

docs/ledger.md s2-4 (accounts, the postings of each kind of transaction), docs/rules.md
s8 (tranches, cancellations, money to recover, offsets, carry-over) and docs/events.md
s7, s8.3 (payments, recoveries, the payment-order events), with plain dictionaries and
integers: it does not use the pipeline's code (no ``streams``, no
``pac_grants.rules.payment``, no ledger code). A cycle's payment policy is read from its
ruleset's own document (the JSON of the file). The grants come from the caller (the
offline engine over the inputs of each approval), as the amounts the rules give.

:class:`Money` keeps every transaction it expects (kind, cycle, effective date,
postings), hence the balance of every account, the payment orders (gross, offset, net,
cancelled, paid), the order events the calculator must publish, and gives the
dead-letter code of a payment or a recovery (None: accepted, or a redelivery).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from tests.unit.scenario_payments import Payments

Grants = dict[str, dict[str, int]]  # commune -> window -> centimes


@dataclass(frozen=True)
class Policy:
    """A ruleset's ``payment`` key (docs/rules.md s8), with its defaults."""

    tranches: tuple[tuple[Fraction, int], ...]  # (share, due days)
    unallocated: str
    recovery: str


def policy(document: str) -> Policy:
    raw = json.loads(document).get("payment") or {}
    tranches = raw.get("tranches") or [{"share": "1", "due_days": 30}]
    return Policy(tuple((Fraction(str(t["share"])), int(t["due_days"])) for t in tranches),
                  raw.get("unallocated", "return"), raw.get("recovery", "refund_only"))


class Money(Payments):
    """Every transaction the ledger must hold, and what it makes of the treasury's
    messages. Cycles are opened, adjusted and approved by the caller, after its own
    checks; payments and recoveries are judged here."""

    def __init__(self) -> None:
        super().__init__()
        self.policies: dict[int, Policy] = {}
        self.following: dict[int, set[str]] = {}  # the windows of cycle + 1's ruleset
        self.funding: dict[tuple[int, str], dict[str, int]] = {}  # account -> centimes
        self.carried_in: dict[int, dict[str, int]] = {}  # MAD, by window
        self.carried_out: dict[int, dict[str, int]] = {}
        self.approvals: dict[int, int] = {}  # approvals of each cycle so far
        self.grants: dict[int, Grants] = {}

    # -- pools -------------------------------------------------------------------------
    def open(self, cycle: int, document: str, pools: dict[str, Any], on: date,
             following: set[str]) -> None:
        """``following``: the windows of cycle + 1's ruleset (where a carry-over goes)."""
        self.policies[cycle], self.opened[cycle] = policy(document), on
        self.following[cycle] = following
        for window, pool in sorted(pools.items()):
            self.adjust_pool(cycle, window, pool, on)
        previous = self.carried_out.get(cycle - 1)
        if previous and cycle - 1 in self.first_closed:
            self.carry(cycle - 1, max(self.first_closed[cycle - 1], on))

    def adjust_pool(self, cycle: int, window: str, pool: int | dict[str, Any],
                    on: date) -> None:
        """An envelope by the difference of each funding account (docs/ledger.md s3)."""
        if isinstance(pool, dict):
            new = {f"funding:{cycle}:{window}:{name}": int(part) * 100
                   for name, part in pool["financiers"].items()}
        else:
            new = {f"funding:{cycle}:{window}": int(pool) * 100}
        old = self.funding.get((cycle, window), {})
        change = {a: new.get(a, 0) - old.get(a, 0) for a in sorted(set(old) | set(new))
                  if new.get(a, 0) != old.get(a, 0)}
        self.funding[(cycle, window)] = new
        if change:
            self.post("envelope", cycle, on, *((a, -x) for a, x in change.items()),
                      (f"pool:{cycle}:{window}", sum(change.values())))

    def effective(self, cycle: int, funded: dict[str, int]) -> dict[str, int]:
        """The pools an allocation shares (MAD): funded + carried in - carried out."""
        inward, out = self.carried_in.get(cycle, {}), self.carried_out.get(cycle, {})
        return {w: p + inward.get(w, 0) - out.get(w, 0) for w, p in funded.items()}

    def carry(self, source: int, on: date) -> None:
        target = source + 1
        for window, amount in sorted(self.carried_out[source].items()):
            if (target, window) in self.funding:
                self.post("carry_over", source, on, (f"pool:{source}:{window}", -amount * 100),
                          (f"pool:{target}:{window}", amount * 100))
                into = self.carried_in.setdefault(target, {})
                into[window] = into.get(window, 0) + amount

    # -- approvals -----------------------------------------------------------------------
    def approve(self, cycle: int, amounts: dict[tuple[str, str], int],
                unallocated: dict[str, int], on: date) -> None:
        """``amounts``: (window, commune) -> MAD of the approved result; ``unallocated``:
        window -> MAD it leaves."""
        grants: Grants = {}
        for (window, code), amount in amounts.items():
            if amount:
                grants.setdefault(code, {})[window] = amount * 100
        policy = self.policies[cycle]
        approval = self.approvals[cycle] = self.approvals.get(cycle, 0) + 1
        if approval == 1:
            self.first_closed[cycle] = on
            self._first(cycle, grants, list(unallocated), on)
            carried = {w: u for w, u in unallocated.items() if u and w in self.following[cycle]}
            if policy.unallocated == "carry_over" and carried:
                self.carried_out[cycle] = carried
                if cycle + 1 in self.opened:
                    self.carry(cycle, max(on, self.opened[cycle + 1]))
        else:
            old = self.grants[cycle]
            for code in sorted(set(old) | set(grants)):
                if old.get(code, {}) != grants.get(code, {}):
                    self._adjust(cycle, code, old.get(code, {}), grants.get(code, {}), on,
                                 approval)
        self.grants[cycle] = grants

    def _first(self, cycle: int, grants: Grants, windows: list[str], on: date) -> None:
        for window in windows:
            mine = {code: g[window] for code, g in sorted(grants.items()) if window in g}
            self.post("allocation", cycle, on, (f"pool:{cycle}:{window}", -sum(mine.values())),
                      *((f"payable:{cycle}:{code}", x) for code, x in mine.items()))
            for code, grant in mine.items():
                self.issue(cycle, code, grant, self.policies[cycle].tranches, "T", on, 1)

    def _adjust(self, cycle: int, code: str, old: dict[str, int], new: dict[str, int],
                on: date, approval: int) -> None:
        change = sum(new.values()) - sum(old.values())
        pools = [(f"pool:{cycle}:{w}", old.get(w, 0) - new.get(w, 0))
                 for w in sorted(set(old) | set(new)) if old.get(w, 0) != new.get(w, 0)]
        if change < 0:
            self.cancel(cycle, code, -change, on)
        payable, receivable = f"payable:{cycle}:{code}", f"receivable:{cycle}:{code}"
        if change > 0:
            cleared = min(change, max(-self.balances[receivable], 0))
            moves = [(payable, change - cleared), (receivable, cleared)]
        else:
            taken = min(max(self.balances[payable], 0), -change)
            moves = [(payable, -taken), (receivable, -(-change - taken))]
        moves = [m for m in moves if m[1]]
        self.post("adjustment", cycle, on, *pools, *moves)
        if any(a == receivable and x < 0 for a, x in moves):
            self.debt_since[(cycle, code)] = on
        ordered = sum(x for a, x in moves if a == payable)
        if change > 0 and ordered > 0:
            number = 1 + sum(1 for o in self.of(cycle, code) if o.tranche[0] == "A")
            self.issue(cycle, code, ordered, ((Fraction(1), 30),), f"A{number}", on, approval,
                       numbered=False)

    def offset(self, cycle: int, code: str, amount: int, on: date) -> int:
        """Debts on earlier cycles whose policy is ``offset_next_cycle``, oldest first,
        kept from ``amount`` (docs/rules.md s8.3)."""
        kept = 0
        for owed_cycle in sorted(c for c in self.policies if c < cycle):
            owed = -self.balances[f"receivable:{owed_cycle}:{code}"]
            if owed <= 0 or amount - kept <= 0 \
                    or self.policies[owed_cycle].recovery != "offset_next_cycle":
                continue
            y = min(owed, amount - kept)
            kept += y
            self.post("offset", cycle, on, (f"payable:{cycle}:{code}", -y),
                      (f"paid:{cycle}:{code}", y), (f"receivable:{owed_cycle}:{code}", y),
                      (f"paid:{owed_cycle}:{code}", -y))
        return kept
