"""What an approval posts (docs/ledger.md s3-4, docs/rules.md s8): the grants, their
payment orders, offsets of older debts, cancellations and money to recover, carry-over.

The first approval of a cycle posts one ``allocation`` per window, then, per commune,
the ``offset``s of what it owes on earlier cycles and one ``order`` per tranche. A later
approval (after a ``CycleReopened``) posts, per commune whose grant changed by d, one
``adjustment``: an increase first clears what the commune owes on that cycle and is then
ordered (order ``A{n}``); a decrease first cancels unpaid orders, latest due first, and
what they cannot absorb becomes money to recover. Every amount is in centimes and
computed here from the rules' result, never guessed; all is effective on ``closed_on``.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from models.codes import AccountType, TransactionKind
from pac_grants import money
from pac_grants.ledger import CycleRow, OrderRow, Posting, TransactionSpec
from pac_grants.readside import ruleset_of
from pac_grants.rules.engine import CycleResult
from pac_grants.rules.payment import INCREASE_DUE_DAYS, Tranche, split_tranches
from streams import orders as order_events
from streams.context import BatchContext

Grants = dict[str, dict[str, int]]  # commune -> window -> centimes


def post_approval(ctx: BatchContext, cycle: CycleRow, result: CycleResult, closed_on: date,
                  approval: int, causes: tuple[str, ...]) -> None:
    """Bring the ledger to ``result`` at approval number ``approval``."""
    approval_of = _Approval(ctx, cycle, result, closed_on, approval, causes)
    if approval == 1:
        approval_of.first()
    else:
        approval_of.again()


class _Approval:
    def __init__(self, ctx: BatchContext, cycle: CycleRow, result: CycleResult,
                 closed_on: date, approval: int, causes: tuple[str, ...]) -> None:
        self.ctx, self.cycle, self.result = ctx, cycle, result
        self.closed_on, self.approval, self.causes = closed_on, approval, causes
        self.number = cycle.cycle
        self.payment = ruleset_of(cycle).payment

    # -- the first approval -------------------------------------------------------------
    def first(self) -> None:
        for window in self.result.windows:
            grants = {c.code: money.centimes(c.amount) for c in window.communes if c.amount}
            postings = [Posting(f"payable:{self.number}:{code}", grant)
                        for code, grant in sorted(grants.items())]
            postings.insert(0, Posting(f"pool:{self.number}:{window.window.id}",
                                       -sum(grants.values())))
            self.post(f"allocation:{self.number}:{window.window.id}",
                      TransactionKind.ALLOCATION, window.window.id, postings,
                      f"final allocation of {window.window.id} at approval",
                      {"eligible": window.eligible_count, "unallocated_mad": window.unallocated,
                       "approval": 1})
            if self.cycle.orders:
                for code, grant in sorted(grants.items()):
                    self.order(code, grant, self.payment.tranches, "T")
        if self.payment.unallocated == "carry_over":
            carry_out(self.ctx, self.cycle, self.result, self.closed_on)

    # -- a re-approval --------------------------------------------------------------------
    def again(self) -> None:
        current = _grants(self.ctx.uow.postings.allocated(self.number))
        targets: Grants = {}
        for window in self.result.windows:
            for c in window.communes:
                if c.amount:
                    targets.setdefault(c.code, {})[window.window.id] = money.centimes(c.amount)
        for code in sorted(set(current) | set(targets)):
            old, new = current.get(code, {}), targets.get(code, {})
            if old != new:
                self.adjust(code, old, new)

    def adjust(self, code: str, old: dict[str, int], new: dict[str, int]) -> None:
        """One ``adjustment`` for the commune's net change (a change of window too)."""
        d = sum(new.values()) - sum(old.values())
        pools = [Posting(f"pool:{self.number}:{w}", old.get(w, 0) - new.get(w, 0))
                 for w in sorted(set(old) | set(new)) if old.get(w, 0) != new.get(w, 0)]
        if d < 0 and self.cycle.orders:
            self.cancel(code, -d)
        commune = self.increase(code, d) if d > 0 else self.decrease(code, -d)
        window = max(new, key=lambda w: new[w]) if new else max(old, key=lambda w: old[w])
        self.post(f"adjustment:{self.number}:{code}:{self.approval}",
                  TransactionKind.ADJUSTMENT, window, [*pools, *commune],
                  f"re-approval {self.approval}: the grant of {code} changes by "
                  f"{money.text(d)} MAD", {"approval": self.approval, "change": d,
                                           "eligible_by_window": self.eligible()})
        ordered = sum(p.amount for p in commune if p.account.startswith("payable:"))
        if d > 0 and ordered > 0 and self.cycle.orders:
            self.order(code, ordered, (Tranche(Fraction(1), INCREASE_DUE_DAYS),),
                       f"A{self.increases(code)}", numbered=False)

    def increases(self, code: str) -> int:
        """The number of the increase just posted: every adjustment of the commune's grant
        in this cycle that left money to order counts, also one whose order was all offset
        and so never issued (its number is kept: docs/events.md s8.3)."""
        entries = self.ctx.uow.postings.statement(code, self.number).entries
        return sum(1 for e in entries if e.kind == TransactionKind.ADJUSTMENT and e.outstanding > 0)

    def increase(self, code: str, d: int) -> list[Posting]:
        owed = -self.balance(AccountType.RECEIVABLE, code)
        cleared = min(d, max(owed, 0))
        postings = [Posting(f"payable:{self.number}:{code}", d - cleared)]
        if cleared:
            postings.append(Posting(f"receivable:{self.number}:{code}", cleared))
        return [p for p in postings if p.amount]

    def decrease(self, code: str, d: int) -> list[Posting]:
        payable = self.balance(AccountType.PAYABLE, code)
        taken = min(max(payable, 0), d)
        postings = [Posting(f"payable:{self.number}:{code}", -taken),
                    Posting(f"receivable:{self.number}:{code}", -(d - taken))]
        return [p for p in postings if p.amount]

    def cancel(self, code: str, d: int) -> None:
        """Cancel exactly ``d`` of unpaid orders, latest due first (ties: id descending)."""
        unpaid = [o for o in self.ctx.uow.state.orders(self.number, code) if o.unpaid > 0]
        for order in sorted(unpaid, key=lambda o: (o.due_on, o.order_id), reverse=True):
            if d <= 0:
                return
            x = min(order.unpaid, d)
            d -= x
            self.post(f"order_cancel:{order.order_id}:{self.approval}",
                      TransactionKind.ORDER_CANCEL, None,
                      [Posting(f"ordered:{self.number}:{code}", -x),
                       Posting(f"payable:{self.number}:{code}", x)],
                      f"order {order.order_id} cancelled for {money.text(x)} MAD at "
                      f"re-approval {self.approval}", {"order_id": order.order_id, "amount": x})
            self.ctx.uow.state.settle_order(order.order_id, cancelled=x)
            order_events.cancelled(self.ctx, order, x, self.closed_on, self.approval)

    # -- orders and offsets ---------------------------------------------------------------
    def order(self, code: str, amount: int, tranches: tuple[Tranche, ...], prefix: str,
              numbered: bool = True) -> None:
        """Orders for ``amount``: offsets of older debts first, taken from T1, T2, ..."""
        offset = offset_debts(self.ctx, self.number, code, amount, self.closed_on,
                              self.approval)
        for k, gross in enumerate(split_tranches(amount, tranches), start=1):
            kept = min(offset, gross)
            offset -= kept
            due = self.closed_on + timedelta(days=tranches[k - 1].due_days)
            tranche = f"{prefix}{k}" if numbered else prefix
            row = OrderRow(f"{self.number}-{code}-{tranche}", self.number, code, tranche,
                           self.approval, self.closed_on, due, gross, kept, gross - kept)
            if row.amount > 0:  # a net of zero is not issued (its number is kept)
                self.issue(row)

    def issue(self, row: OrderRow) -> None:
        self.post(f"order:{row.order_id}", TransactionKind.ORDER, None,
                  [Posting(f"payable:{self.number}:{row.commune_code}", -row.amount),
                   Posting(f"ordered:{self.number}:{row.commune_code}", row.amount)],
                  f"payment order {row.order_id} of {money.text(row.amount)} MAD due "
                  f"{row.due_on.isoformat()}",
                  {"order_id": row.order_id, "tranche": row.tranche,
                   "due_on": row.due_on.isoformat(), "gross": row.gross, "offset": row.offset})
        self.ctx.uow.state.add_order(row)
        order_events.issued(self.ctx, row)

    # -- helpers --------------------------------------------------------------------------
    def eligible(self) -> dict[str, int]:
        """window -> eligible communes at this approval (the summary's count)."""
        return {w.window.id: w.eligible_count for w in self.result.windows}

    def balance(self, kind: AccountType, code: str) -> int:
        return self.ctx.uow.postings.balance(f"{kind}:{self.number}:{code}")

    def post(self, key: str, kind: TransactionKind, window: str | None,
             postings: list[Posting], reason: str, details: dict[str, Any]) -> None:
        self.ctx.post(TransactionSpec(
            key, kind, self.number, window, tuple(postings), self.causes,
            self.result.ruleset.id, self.result.ruleset.digest, self.result.inputs_digest,
            self.closed_on, reason, details))


def _grants(allocated: dict[tuple[str | None, str], int]) -> Grants:
    grants: Grants = {}
    for (window, code), amount in allocated.items():
        if amount and window is not None:
            per_window = grants.setdefault(code, {})
            per_window[window] = per_window.get(window, 0) + amount
    return {code: {w: a for w, a in windows.items() if a} for code, windows in grants.items()}


def offset_debts(ctx: BatchContext, cycle: int, code: str, amount: int, on: date,
                 approval: int) -> int:
    """Settle the commune's debts on earlier cycles whose policy is
    ``offset_next_cycle`` from the grant about to be ordered, oldest cycle first
    (docs/rules.md s8.3); returns the total kept."""
    debts = ctx.uow.postings.commune_balances(code, (AccountType.RECEIVABLE,))
    kept = 0
    for account, balance in sorted(debts.items(), key=lambda a: int(a[0].split(":")[1])):
        owed_cycle = int(account.split(":")[1])
        if balance >= 0 or owed_cycle >= cycle or amount - kept <= 0:
            continue
        owed = ctx.cache.cycle(owed_cycle)
        if owed is None or ruleset_of(owed).payment.recovery != "offset_next_cycle":
            continue
        y = min(-balance, amount - kept)
        kept += y
        ctx.post(TransactionSpec(
            f"offset:{cycle}:{code}:{owed_cycle}:{approval}", TransactionKind.OFFSET, cycle,
            None, (Posting(f"payable:{cycle}:{code}", -y), Posting(f"paid:{cycle}:{code}", y),
                   Posting(f"receivable:{owed_cycle}:{code}", y),
                   Posting(f"paid:{owed_cycle}:{code}", -y)),
            (), None, None, None, on,
            f"{money.text(y)} MAD of {code}'s grant of {cycle} settle what it owed on "
            f"{owed_cycle}", {"owed_cycle": owed_cycle, "amount": y}))
    return kept


def carry_out(ctx: BatchContext, cycle: CycleRow, result: CycleResult, on: date) -> None:
    """The first approval of N with ``unallocated: carry_over``: each window's
    unallocated money goes to the same window of N+1, now if N+1 is open, else when it
    opens (``carried_out`` holds it until then). Which windows N+1 has is known only
    once it is open: never from the ruleset the calculator ships for it now, which may
    not be the one N+1 opened (or opens) with. docs/rules.md s8.2."""
    carried = {w.window.id: w.unallocated for w in result.windows if w.unallocated}
    if not carried:
        return
    ctx.uow.state.update_cycle(cycle.cycle, carried_out=carried)
    ctx.cache.refresh_cycle(cycle.cycle)
    later = ctx.cache.cycle(cycle.cycle + 1)
    if later is not None:
        carry_in(ctx, cycle.cycle, carried, on, later)


def carry_in(ctx: BatchContext, source: int, carried: dict[str, int], closed_on: date,
             target: CycleRow) -> None:
    """Post N's carry-over into N+1 (effective on the later of N's approval and N+1's
    opening) and add it to N+1's pools. A window N+1 lacks, or an N+1 already approved,
    keeps its money in N (returned): N's ``carried_out`` then lists only what moved, so
    that a re-approval of N shares that window's whole pool."""
    # an approved N+1 holds (N was opened after N+1's approval): the money stays in N
    moved = {} if target.approvals else {w: mad for w, mad in carried.items()
                                         if w in target.pools}
    if moved != carried:
        ctx.uow.state.update_cycle(source, carried_out=moved)
        ctx.cache.refresh_cycle(source)
    if not moved:
        return
    effective = max(closed_on, target.opened_on or closed_on)
    for window, mad in sorted(moved.items()):
        ctx.post(TransactionSpec(
            f"carry_over:{source}:{window}", TransactionKind.CARRY_OVER, source, window,
            (Posting(f"pool:{source}:{window}", -money.centimes(mad)),
             Posting(f"pool:{target.cycle}:{window}", money.centimes(mad))),
            (), None, None, None, effective,
            f"unallocated {mad} MAD of {window} carried over to {target.cycle}",
            {"to_cycle": target.cycle}))
    incoming = {w: target.carried_in.get(w, 0) + mad for w, mad in moved.items()}
    ctx.uow.state.update_cycle(target.cycle, carried_in=target.carried_in | incoming)
    ctx.cache.refresh_cycle(target.cycle)
    ctx.touch(target.cycle, f"carry_over:{source}", effective)
