"""The treasury's payments and recoveries (docs/events.md s7, docs/ledger.md s3).

Order of checks (docs/events.md s10): a known reference (no second effect), the cycle,
the commune, the order; the cycle's state (never approved: ``cycle_not_closed``); the
dates (before the first approval: ``paid_before_approval``; before the approval of the
order it settles, before the debt it pays back: ``invalid_value``); the amount
(``exceeds_order``, ``exceeds_outstanding``, ``exceeds_receivable``).
"""

from __future__ import annotations

from models.codes import DeadLetterCode, TransactionKind
from models.decode import Rejection
from models.events import DisbursementExecuted, RecoveryReceived
from pac_grants import money
from pac_grants.ledger import CycleRow, OrderRow, Posting, TransactionSpec
from streams import assessments
from streams.context import BatchContext
from streams.refusals import (
    Outcome,
    Verdict,
    date_order,
    refuse,
    unknown_commune,
    unknown_cycle,
)


def apply_disbursement(ctx: BatchContext, event: DisbursementExecuted) -> Outcome:
    """ordered -x, paid +x, settling the named order or the oldest due ones; a cycle
    approved before orders existed: payable -x, paid +x."""
    if ctx.uow.state.disbursement_known(event.payment_ref):
        return Verdict.DUPLICATE
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return unknown_cycle(event.cycle)
    code = event.commune_code
    if code not in ctx.cache.communes():
        return unknown_commune(code)
    order = ctx.uow.state.order(event.order_id) if event.order_id else None
    if event.order_id and (order is None or (order.cycle, order.commune_code)
                           != (event.cycle, code)):
        return refuse(DeadLetterCode.UNKNOWN_ORDER, f"no payment order {event.order_id} of "
                      f"commune {code} in cycle {event.cycle}", "order_id", event.order_id)
    refused = _approved(cycle, event) or _order_date(order, event)
    if refused is not None:
        return refused
    settled = _settle(ctx, cycle, order, event)
    if isinstance(settled, Rejection):
        return settled
    _post_payment(ctx, cycle, event, settled)
    return Verdict.APPLIED


def _approved(cycle: CycleRow, event: DisbursementExecuted) -> Rejection | None:
    if not cycle.approvals:
        return refuse(DeadLetterCode.CYCLE_NOT_CLOSED, f"cycle {event.cycle} is not "
                      "approved yet: payments follow the approval", "cycle", event.cycle)
    if cycle.first_closed_on and event.paid_on < cycle.first_closed_on:
        return refuse(DeadLetterCode.PAID_BEFORE_APPROVAL, f"payment {event.payment_ref} of "
                      f"{event.commune_code} is dated {event.paid_on}, before cycle "
                      f"{event.cycle} was approved on {cycle.first_closed_on}", "paid_on",
                      event.paid_on)
    return None


def _order_date(order: OrderRow | None, event: DisbursementExecuted) -> Rejection | None:
    if order is not None and event.paid_on < order.issued_on:
        return date_order("paid_on", event.paid_on, f"is before order {order.order_id} was "
                          f"issued on {order.issued_on}")
    return None


def _settle(ctx: BatchContext, cycle: CycleRow, order: OrderRow | None,
            event: DisbursementExecuted) -> dict[str, int] | Rejection:
    """order id -> centimes this payment settles ({} for a cycle without orders)."""
    amount, code = event.amount_centimes, event.commune_code
    if order is not None:
        if amount > order.unpaid:
            state = "cancelled" if order.cancelled >= order.amount else f"unpaid rest " \
                f"{money.text(order.unpaid)} MAD"
            return refuse(DeadLetterCode.EXCEEDS_ORDER, f"payment of {event.amount_mad} MAD "
                          f"exceeds order {order.order_id} ({state})", "amount_mad",
                          event.amount_mad)
        return {order.order_id: amount}
    if not cycle.orders:
        outstanding = ctx.uow.postings.balance(f"payable:{event.cycle}:{code}")
        return {} if amount <= outstanding else _exceeds(event, outstanding)
    unpaid = [o for o in ctx.uow.state.orders(event.cycle, code) if o.unpaid > 0]
    if amount > sum(o.unpaid for o in unpaid):
        return _exceeds(event, sum(o.unpaid for o in unpaid))
    settled: dict[str, int] = {}
    for due in sorted(unpaid, key=lambda o: (o.due_on, o.order_id)):
        if amount <= 0:
            break
        if event.paid_on < due.issued_on:
            return date_order("paid_on", event.paid_on, f"is before order {due.order_id} "
                              f"it would settle was issued on {due.issued_on}")
        settled[due.order_id] = min(due.unpaid, amount)
        amount -= settled[due.order_id]
    return settled


def _exceeds(event: DisbursementExecuted, outstanding: int) -> Rejection:
    return refuse(DeadLetterCode.EXCEEDS_OUTSTANDING, f"payment of {event.amount_mad} MAD "
                  f"exceeds the outstanding {money.text(outstanding)} MAD of "
                  f"{event.commune_code} in cycle {event.cycle}", "amount_mad",
                  event.amount_mad)


def _post_payment(ctx: BatchContext, cycle: CycleRow, event: DisbursementExecuted,
                  settled: dict[str, int]) -> None:
    code, amount, number = event.commune_code, event.amount_centimes, event.cycle
    ctx.uow.state.add_disbursement(event.payment_ref, number, code, amount, event.event_id)
    for order_id, part in settled.items():
        ctx.uow.state.settle_order(order_id, paid=part)
    source = "ordered" if cycle.orders else "payable"
    ctx.post(TransactionSpec(
        f"disbursement:{number}:{event.payment_ref}", TransactionKind.DISBURSEMENT, number,
        assessments.window_of(ctx, cycle, code),
        (Posting(f"{source}:{number}:{code}", -amount), Posting(f"paid:{number}:{code}", amount)),
        (event.event_id,), cycle.ruleset_id, None, None, event.paid_on,
        f"payment {event.payment_ref} of {event.amount_mad} MAD",
        {"payment_ref": event.payment_ref, "orders": settled}))


def apply_recovery(ctx: BatchContext, event: RecoveryReceived) -> Outcome:
    """receivable +x, paid -x: money the commune paid back (docs/ledger.md s4)."""
    if ctx.uow.state.recovery_known(event.recovery_ref):
        return Verdict.DUPLICATE
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return unknown_cycle(event.cycle)
    code, amount, number = event.commune_code, event.amount_centimes, event.cycle
    if code not in ctx.cache.communes():
        return unknown_commune(code)
    if not cycle.approvals:
        return refuse(DeadLetterCode.CYCLE_NOT_CLOSED, f"cycle {number} is not approved yet: "
                      "nothing can be owed on it", "cycle", number)
    since = ctx.uow.postings.debt_since(number, code)
    if since is not None and event.received_on < since:
        return date_order("received_on", event.received_on, f"is before {code} came to owe "
                          f"money on cycle {number} ({since})")
    owed = -ctx.uow.postings.balance(f"receivable:{number}:{code}")
    if amount > owed:
        return refuse(DeadLetterCode.EXCEEDS_RECEIVABLE, f"recovery of {event.amount_mad} "
                      f"MAD exceeds the {money.text(max(owed, 0))} MAD {code} owes on cycle "
                      f"{number}", "amount_mad", event.amount_mad)
    ctx.uow.state.add_recovery(event.recovery_ref, number, code, amount, event.event_id)
    ctx.post(TransactionSpec(
        f"recovery:{number}:{event.recovery_ref}", TransactionKind.RECOVERY, number,
        assessments.window_of(ctx, cycle, code),
        (Posting(f"receivable:{number}:{code}", amount), Posting(f"paid:{number}:{code}", -amount)),
        (event.event_id,), cycle.ruleset_id, None, None, event.received_on,
        f"recovery {event.recovery_ref} of {event.amount_mad} MAD",
        {"recovery_ref": event.recovery_ref}))
    return Verdict.APPLIED
