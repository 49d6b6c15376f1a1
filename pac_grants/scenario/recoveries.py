"""``RecoveryReceived`` events: money a commune pays back (docs/events.md s7.2).

The reopened cycle's second approval lowers grants (one more commune shares the pool);
the communes that were paid in full before the reopening were then paid more than their
new grant and owe the difference (docs/ledger.md s4). Phase ``recoveries``: one of them
refunds all it owes, 45 days after the re-approval; the others are left to the next
cycle they get a grant in, which keeps what they owe from it (papc-2021:
``recovery: offset_next_cycle``), or still owe it at the end of the program. A refund of
one centime more than what a commune owes is refused (``exceeds_receivable``).
"""

from __future__ import annotations

from datetime import date, timedelta

from pac_grants.scenario import calendar
from pac_grants.scenario.disbursements import Treasury
from pac_grants.scenario.messages import Draft


def refunds(treasury: Treasury, cycle: int, reapproved: date, later: set[str]
            ) -> list[Draft]:
    """Phase ``recoveries`` for the debts of ``cycle``, re-approved on ``reapproved``;
    the refund comes from a commune of ``later`` (with a grant in a cycle still to be
    approved) if one owes: so another debtor may stay without a grant to offset."""
    owing = [(code, owed) for (c, code), owed in treasury.orders.owed.items()
             if c == cycle and owed > 0]
    debtors = sorted(owing, key=lambda d: (d[0] not in later, d[0]))
    if not debtors:
        return []
    on = calendar.refunded_on(reapproved)
    code, owed = debtors[0]
    drafts = [treasury.recovery(cycle, code, owed, on)]
    other, owes = debtors[-1] if len(debtors) > 1 else (code, 0)
    drafts.append(treasury.recovery(cycle, other, owes + 1, on + timedelta(days=1),
                                    expect="exceeds_receivable"))
    return drafts
