"""``DisbursementExecuted`` events: the treasury pays approved cycles (docs/events.md 7.1).

Most communes with a final amount get one or two payments, dated after their cycle's last
approval (a reopened cycle is paid once approved again); half of the two-payment ones are
paid in full, so their outstanding balance ends at exactly zero. Then one payment is sent
again under the same ``payment_ref`` (no second effect, no rejection), one centime more
than the outstanding of a fully paid commune must be refused (``exceeds_outstanding``),
and one payment dated before its cycle's approval too (``paid_before_approval``).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from pac_grants.scenario import calendar
from pac_grants.scenario.encoding import Stamper
from pac_grants.scenario.messages import Draft

PAID_RATE = 0.85


def mad(centimes: int) -> str:
    """A decimal string with two decimals (docs/events.md ``amount_mad``)."""
    return f"{centimes // 100}.{centimes % 100:02d}"


class Treasury:
    """Makes payments and remembers what each (cycle, commune) has been paid."""

    def __init__(self, rng: random.Random, stamper: Stamper) -> None:
        self.rng = rng
        self.stamper = stamper
        self.paid: dict[tuple[int, str], int] = {}  # centimes
        self._serial = 0

    def payment(self, cycle: int, code: str, centimes: int, paid_on: date,
                expect: str | None = None) -> Draft:
        self._serial += 1
        body = {"payment_ref": f"TGR-{paid_on.year}-{self._serial:06d}", "cycle": cycle,
                "commune_code": code, "amount_mad": mad(centimes),
                "paid_on": paid_on.isoformat()}
        if expect is None:
            self.paid[(cycle, code)] = self.paid.get((cycle, code), 0) + centimes
        return Draft("disbursements", code, "DisbursementExecuted", self.stamper.event_id(),
                     body, paid_on, expect_rejection=expect)

    def outstanding(self, cycle: int, code: str, final: int) -> int:
        return final * 100 - self.paid.get((cycle, code), 0)


def payments(treasury: Treasury, finals: dict[int, dict[str, int]],
             approvals: dict[int, list[date]]) -> list[Draft]:
    """Phase ``disbursements``: ``finals`` maps cycle -> commune code -> final MAD;
    ``approvals`` cycle -> the dates of its approvals."""
    rng = treasury.rng
    drafts = []
    for cycle, amounts in finals.items():
        for code, final in amounts.items():
            if rng.random() < PAID_RATE:
                drafts += _instalments(treasury, cycle, code, final * 100, approvals[cycle][-1])
    rng.shuffle(drafts)
    if drafts:
        again = rng.choice(drafts)
        drafts.append(Draft("disbursements", again.key, again.event_type,
                            treasury.stamper.event_id(), dict(again.payload), again.on))
    full = [(c, k) for c, a in finals.items() for k, f in a.items()
            if treasury.outstanding(c, k, f) == 0]
    if full:
        cycle, code = rng.choice(full)
        drafts.append(treasury.payment(cycle, code, 1, calendar.paid_on(
            approvals[cycle][-1], rng), expect="exceeds_outstanding"))
    early = [(c, k) for c, a in finals.items() for k in a]
    if early:
        cycle, code = early[0]
        drafts.append(treasury.payment(cycle, code, 100_000, approvals[cycle][0] - timedelta(
            days=15), expect="paid_before_approval"))
    return drafts


def _instalments(treasury: Treasury, cycle: int, code: str, total: int,
                 approved: date) -> list[Draft]:
    rng = treasury.rng
    first = max(1, rng.randint(total * 3 // 10, total * 6 // 10))
    dates = sorted(calendar.paid_on(approved, rng) for _ in range(2))
    drafts = [treasury.payment(cycle, code, first, dates[0])]
    if first < total and rng.random() < 0.5:
        rest = total - first if rng.random() < 0.5 else rng.randint(1, total - first)
        drafts.append(treasury.payment(cycle, code, rest, dates[1]))
    return drafts
