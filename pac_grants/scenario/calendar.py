"""The business dates of a cycle's life in the sample program (docs/ledger.md
"Business dates").

Cycle N opens in January of N; its communes are assessed in February and March of N+1
(the grant year); results are notified on April 15 with a 30-day complaint window; the
national steering committee approves on June 30; the treasury pays the payment orders
around their due dates (a cycle to be reopened, before its reopening), and a commune
refunds what it owes 45 days after the re-approval that made the debt. One place for
every date, so that each phase's events agree with each other.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

COMPLAINT_DAYS = 30
APPROVER = "Comité national de pilotage"


def registered_on(first_cycle: int) -> date:
    """The reference data is loaded before the first cycle opens."""
    return date(first_cycle, 1, 2)


def opened_on(cycle: int) -> date:
    return date(cycle, 1, 15)


def assessed_on(cycle: int, revision: int, rng: random.Random) -> date:
    """Revision r in the r-th ten days from February 1 of the grant year, by April 10."""
    day = date(cycle + 1, 2, 1) + timedelta(days=10 * (revision - 1) + rng.randint(0, 9))
    return min(day, date(cycle + 1, 4, 10))


def pool_changed_on(cycle: int) -> date:
    """A pool change while the cycle is assessed (before its notification)."""
    return date(cycle + 1, 3, 16)


def notified_on(cycle: int) -> date:
    return date(cycle + 1, 4, 15)


def complaint_deadline(cycle: int) -> date:
    return notified_on(cycle) + timedelta(days=COMPLAINT_DAYS)


def lodged_on(cycle: int, rng: random.Random, *, late: bool = False) -> date:
    """Within the window (from 3 days after the notice), or up to 10 days after it."""
    if late:
        return complaint_deadline(cycle) + timedelta(days=rng.randint(1, 10))
    return notified_on(cycle) + timedelta(days=rng.randint(3, COMPLAINT_DAYS))


def decided_on(cycle: int, lodged: date, rng: random.Random) -> date:
    """A decision 3 to 12 days after the complaint, by the end of May."""
    return min(lodged + timedelta(days=rng.randint(3, 12)), date(cycle + 1, 5, 31))


def early_closing(cycle: int) -> date:
    """An approval tried on June 1, before the last complaint is decided."""
    return date(cycle + 1, 6, 1)


def late_decision(cycle: int) -> date:
    """The decision of a complaint that held the approval up."""
    return date(cycle + 1, 6, 10)


def approved_on(cycle: int) -> date:
    return date(cycle + 1, 6, 30)


def decision_ref(cycle: int, number: int = 12) -> str:
    return f"Arrêté conjoint n° {number}-{cycle + 1}"


def reopened_on(cycle: int) -> date:
    return date(cycle + 1, 9, 1)


def reapproved_on(cycle: int) -> date:
    return date(cycle + 1, 9, 30)


def paid_in_advance(approved: date, before: date, rng: random.Random) -> date:
    """A payment after the approval and before ``before`` (the reopening)."""
    return approved + timedelta(days=rng.randint(1, max(1, (before - approved).days - 1)))


def paid_around(due: date, approved: date, rng: random.Random) -> date:
    """Within three weeks before an order's due date to three and a half after it, but
    after the cycle's last approval."""
    return max(due + timedelta(days=rng.randint(-20, 25)), approved + timedelta(days=1))


def refused_payment_on(approved: date) -> date:
    """The date of a payment the ledger must refuse for its amount or its order."""
    return approved + timedelta(days=200)


def refunded_on(reapproved: date) -> date:
    return reapproved + timedelta(days=45)


def after_approval(cycle: int, month: int, day: int) -> date:
    """A date in the grant year's second half, after the approval of June 30."""
    return date(cycle + 1, month, day)
