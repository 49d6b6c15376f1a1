"""The treasury's payments (docs/events.md "DisbursementExecuted", docs/ledger.md).

Order of checks: a known ``payment_ref`` (no second effect), the cycle, the commune, the
cycle's state (never approved: ``cycle_not_closed``), the date (``paid_on`` before the
first approval: ``paid_before_approval``), the amount (``exceeds_outstanding``).
"""

from __future__ import annotations

from models.codes import DeadLetterCode, TransactionKind
from models.events import DisbursementExecuted
from pac_grants import money
from pac_grants.ledger import Posting, TransactionSpec
from streams import assessments
from streams.context import BatchContext
from streams.refusals import Outcome, Verdict, refuse, unknown_commune, unknown_cycle


def apply_disbursement(ctx: BatchContext, event: DisbursementExecuted) -> Outcome:
    """payable -x, paid +x; only for an approved cycle, never beyond the outstanding."""
    if ctx.uow.state.disbursement_known(event.payment_ref):
        return Verdict.DUPLICATE
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return unknown_cycle(event.cycle)
    code, amount = event.commune_code, event.amount_centimes
    if code not in ctx.cache.communes():
        return unknown_commune(code)
    if not cycle.approvals:
        return refuse(DeadLetterCode.CYCLE_NOT_CLOSED, f"cycle {event.cycle} is not "
                      "approved yet: payments follow the approval", "cycle", event.cycle)
    if cycle.first_closed_on and event.paid_on < cycle.first_closed_on:
        return refuse(DeadLetterCode.PAID_BEFORE_APPROVAL, f"payment {event.payment_ref} of "
                      f"{code} is dated {event.paid_on}, before cycle {event.cycle} was "
                      f"approved on {cycle.first_closed_on}", "paid_on", event.paid_on)
    outstanding = ctx.uow.postings.balance(f"payable:{event.cycle}:{code}")
    if amount > outstanding:
        return refuse(DeadLetterCode.EXCEEDS_OUTSTANDING, f"payment of {event.amount_mad} MAD "
                      f"exceeds the outstanding {money.text(outstanding)} MAD of {code} in "
                      f"cycle {event.cycle}", "amount_mad", event.amount_mad)
    ctx.uow.state.add_disbursement(event.payment_ref, event.cycle, code, amount,
                                   event.event_id)
    window = assessments.window_of(ctx, cycle, code)
    ctx.post(TransactionSpec(
        f"disbursement:{event.cycle}:{event.payment_ref}", TransactionKind.DISBURSEMENT,
        event.cycle, window,
        (Posting(f"payable:{event.cycle}:{code}", -amount),
         Posting(f"paid:{event.cycle}:{code}", amount)),
        (event.event_id,), cycle.ruleset_id, None, None, event.paid_on,
        f"payment {event.payment_ref} of {event.amount_mad} MAD",
        {"payment_ref": event.payment_ref}))
    return Verdict.APPLIED
