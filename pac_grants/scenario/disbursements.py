"""``DisbursementExecuted`` events: the treasury pays closed cycles (events.md).

Most communes with a final amount get one or two payments; half of the two-payment ones
are paid in full, so their outstanding balance ends at exactly zero. Then one payment is
sent again under the same ``payment_ref`` (no second effect, no rejection) and one
centime more than the outstanding of a fully paid commune must be refused
(``exceeds_outstanding``).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from pac_grants.scenario.encoding import Stamper
from pac_grants.scenario.messages import Draft

PAID_RATE = 0.85


def mad(centimes: int) -> str:
    """A decimal string with two decimals (events.md ``amount_mad``)."""
    return f"{centimes // 100}.{centimes % 100:02d}"


class Treasury:
    """Makes payments and remembers what each (cycle, commune) has been paid."""

    def __init__(self, rng: random.Random, stamper: Stamper) -> None:
        self.rng = rng
        self.stamper = stamper
        self.paid: dict[tuple[int, str], int] = {}  # centimes
        self._serial = 0

    def payment(self, cycle: int, code: str, centimes: int, expect: str | None = None,
                ref: str | None = None) -> Draft:
        self._serial += 1
        paid_on = date(cycle + 1, 6, 1) + timedelta(days=self.rng.randint(0, 180))
        body = {"payment_ref": ref or f"TGR-{cycle + 1}-{self._serial:06d}", "cycle": cycle,
                "commune_code": code, "amount_mad": mad(centimes),
                "paid_on": paid_on.isoformat()}
        if expect is None:
            self.paid[(cycle, code)] = self.paid.get((cycle, code), 0) + centimes
        return Draft("disbursements", code, "DisbursementExecuted", self.stamper.event_id(),
                     body, expect_rejection=expect)

    def outstanding(self, cycle: int, code: str, final: int) -> int:
        return final * 100 - self.paid.get((cycle, code), 0)


def payments(treasury: Treasury, finals: dict[int, dict[str, int]]) -> list[Draft]:
    """Phase ``disbursements``: ``finals`` maps cycle -> commune code -> final MAD."""
    rng = treasury.rng
    drafts = []
    for cycle, amounts in finals.items():
        for code, final in amounts.items():
            if rng.random() < PAID_RATE:
                drafts += _instalments(treasury, cycle, code, final * 100)
    rng.shuffle(drafts)
    if drafts:
        again = rng.choice(drafts)
        drafts.append(Draft("disbursements", again.key, again.event_type,
                            treasury.stamper.event_id(), dict(again.payload)))
    full = [(c, k) for c, a in finals.items() for k, f in a.items()
            if treasury.outstanding(c, k, f) == 0]
    if full:
        cycle, code = rng.choice(full)
        drafts.append(treasury.payment(cycle, code, 1, expect="exceeds_outstanding"))
    return drafts


def _instalments(treasury: Treasury, cycle: int, code: str, total: int) -> list[Draft]:
    rng = treasury.rng
    first = max(1, rng.randint(total * 3 // 10, total * 6 // 10))
    drafts = [treasury.payment(cycle, code, first)]
    if first < total and rng.random() < 0.5:
        rest = total - first if rng.random() < 0.5 else rng.randint(1, total - first)
        drafts.append(treasury.payment(cycle, code, rest))
    return drafts
