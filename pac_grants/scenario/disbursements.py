"""``DisbursementExecuted`` events: the treasury pays the payment orders (docs/events.md 7.1).

Phase ``payments``: the cycle that will be reopened is paid before its reopening: most
communes their first tranche, and a few all of their grant, the later tranches in
advance (once the re-approval lowers their grant, they owe money back:
:mod:`~pac_grants.scenario.recoveries`). Phase ``disbursements``: after every approval,
the orders still open are paid around their due date, most in full, some in part (left
``partly_paid``), some never (``overdue`` once their due date has passed); a payment
names its order (``order_id``) or not, and then settles the oldest due one, which is
always the one it pays. Then the refusals: a payment sent again under the same
``payment_ref`` (no second effect), one naming another commune's order and one naming
an order that does not exist (``unknown_order``), one centime more than an order's
unpaid rest (``exceeds_order``) and than all of a fully paid commune's orders
(``exceeds_outstanding``), one dated before its cycle's approval
(``paid_before_approval``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from pac_grants.scenario import calendar
from pac_grants.scenario.encoding import Stamper
from pac_grants.scenario.messages import Draft
from pac_grants.scenario.orders import Order, OrderBook

PAID_RATE = 0.92  # communes whose open orders are paid
PARTIAL_RATE = 0.04  # of those orders: paid in part
UNPAID_RATE = 0.05  # of those orders: never paid
NAMED_RATE = 0.5  # payments that name their order
#: Communes of the reopened cycle paid in full before its reopening: (with a grant in the
#: cycle approved last, which offsets what they will owe; without one).
ADVANCED = (2, 1)


def mad(centimes: int) -> str:
    """A decimal string with two decimals (docs/events.md ``amount_mad``)."""
    return f"{centimes // 100}.{centimes % 100:02d}"


class Treasury:
    """Makes the treasury's events and keeps the order book up to date with them."""

    def __init__(self, rng: random.Random, stamper: Stamper, orders: OrderBook) -> None:
        self.rng, self.stamper, self.orders = rng, stamper, orders
        self.advanced: list[str] = []  # communes paid in full before the reopening
        self._serial = 0

    def payment(self, cycle: int, code: str, centimes: int, paid_on: date,
                order_id: str | None = None, expect: str | None = None) -> Draft:
        self._serial += 1
        body = {"payment_ref": f"TGR-{paid_on.year}-{self._serial:06d}", "cycle": cycle,
                "commune_code": code, "amount_mad": mad(centimes),
                "paid_on": paid_on.isoformat()}
        if order_id is not None:
            body["order_id"] = order_id
        if expect is None:
            self.orders.pay(cycle, code, centimes, order_id)
        return Draft("disbursements", code, "DisbursementExecuted", self.stamper.event_id(),
                     body, paid_on, expect_rejection=expect)

    def recovery(self, cycle: int, code: str, centimes: int, received_on: date,
                 expect: str | None = None) -> Draft:
        self._serial += 1
        body = {"recovery_ref": f"TGR-REC-{received_on.year}-{self._serial:06d}",
                "cycle": cycle, "commune_code": code, "amount_mad": mad(centimes),
                "received_on": received_on.isoformat()}
        if expect is None:
            self.orders.recover(cycle, code, centimes)
        return Draft("disbursements", code, "RecoveryReceived", self.stamper.event_id(),
                     body, received_on, expect_rejection=expect)

    def pay(self, order: Order, amount: int, on: date, named: bool) -> Draft:
        return self.payment(order.cycle, order.code, amount, on,
                            order.order_id if named else None)


def advances(treasury: Treasury, cycle: int, approved: date, before: date,
             candidates: Sequence[str], later: set[str]) -> list[Draft]:
    """Phase ``payments``: ``cycle``, approved on ``approved``, paid before ``before``;
    ``ADVANCED`` of ``candidates`` in full, those with a grant in ``later`` first."""
    rng, book = treasury.rng, treasury.orders
    offset = [c for c in candidates if c in later]
    kept = [c for c in candidates if c not in later]
    treasury.advanced = sorted(rng.sample(offset, min(ADVANCED[0], len(offset)))
                               + rng.sample(kept, min(ADVANCED[1], len(kept))))
    lanes = []
    for code in sorted(book.grants.get(cycle, {})):
        orders = book.of(cycle, code)
        if code not in treasury.advanced:
            if not orders or rng.random() >= PAID_RATE:
                continue
            orders = orders[:1]
        dates = sorted(calendar.paid_in_advance(approved, before, rng) for _ in orders)
        lanes.append([treasury.pay(order, order.unpaid, on, rng.random() < NAMED_RATE)
                      for order, on in zip(orders, dates, strict=True)])
    return interleave(lanes, rng)


def payments(treasury: Treasury, approvals: dict[int, list[date]]) -> list[Draft]:
    """Phase ``disbursements``: ``approvals`` maps a cycle to the dates of its approvals."""
    rng, book = treasury.rng, treasury.orders
    lanes = []
    for cycle in sorted(book.grants):
        for code in sorted(book.grants[cycle]):
            due = [o for o in book.of(cycle, code) if o.unpaid > 0]
            if due and rng.random() < PAID_RATE:
                lanes.append(_settle(treasury, due, approvals[cycle][-1]))
    drafts = interleave([lane for lane in lanes if lane], rng)
    if drafts:
        again = rng.choice(drafts)
        drafts.append(Draft("disbursements", again.key, again.event_type,
                            treasury.stamper.event_id(), dict(again.payload), again.on))
    return drafts + _refused(treasury, approvals)


def _settle(treasury: Treasury, due: list[Order], approved: date) -> list[Draft]:
    """A commune's open orders, oldest due first: paid in full, in part or not at all.
    Once an older order stays open, a payment names its order (else it would settle
    the older one)."""
    rng, drafts, behind = treasury.rng, [], False
    for order in due:
        draw = rng.random()
        if draw < UNPAID_RATE:
            behind = True
            continue
        amount = order.unpaid
        if draw < UNPAID_RATE + PARTIAL_RATE and order.unpaid > 1:
            amount = max(1, order.unpaid * rng.randint(3, 7) // 10)
        on = calendar.paid_around(order.due_on, approved, rng)
        drafts.append(treasury.pay(order, amount, on, behind or rng.random() < NAMED_RATE))
        behind = behind or order.unpaid > 0  # paid in part
    return drafts


def _refused(treasury: Treasury, approvals: dict[int, list[date]]) -> list[Draft]:
    rng, book = treasury.rng, treasury.orders
    orders = sorted(book.orders.values(), key=lambda o: o.order_id)
    drafts = _unknown_orders(treasury, orders, approvals)
    partly = [o for o in orders if 0 < o.unpaid < o.amount] or [o for o in orders if o.unpaid]
    if partly:
        order = rng.choice(partly)
        drafts.append(treasury.payment(order.cycle, order.code, order.unpaid + 1, _later(
            approvals, order.cycle), order.order_id, expect="exceeds_order"))
    full = sorted({(o.cycle, o.code) for o in orders}
                  - {(o.cycle, o.code) for o in orders if o.unpaid > 0})
    if full:
        cycle, code = rng.choice(full)
        drafts.append(treasury.payment(cycle, code, 1, _later(approvals, cycle),
                                       expect="exceeds_outstanding"))
    if book.grants:
        cycle = min(book.grants)
        drafts.append(treasury.payment(cycle, min(book.grants[cycle]), 100_000,
                                       approvals[cycle][0] - timedelta(days=15),
                                       expect="paid_before_approval"))
    return drafts


def _unknown_orders(treasury: Treasury, orders: list[Order],
                    approvals: dict[int, list[date]]) -> list[Draft]:
    """A payment naming another commune's order of its cycle, one naming a tranche its
    cycle does not have."""
    firsts: dict[int, dict[str, Order]] = {}
    for order in orders:
        firsts.setdefault(order.cycle, {}).setdefault(order.code, order)
    cycles = [c for c, communes in sorted(firsts.items()) if len(communes) > 1]
    if not cycles:
        return []
    cycle = treasury.rng.choice(cycles)
    mine, theirs = treasury.rng.sample(sorted(firsts[cycle].values(), key=lambda o: o.code), 2)
    on = _later(approvals, cycle)
    return [treasury.payment(cycle, mine.code, 100_000, on, theirs.order_id,
                             expect="unknown_order"),
            treasury.payment(cycle, mine.code, 100_000, on, f"{cycle}-{mine.code}-T9",
                             expect="unknown_order")]


def _later(approvals: dict[int, list[date]], cycle: int) -> date:
    return calendar.refused_payment_on(approvals[cycle][-1])


def interleave(lanes: list[list[Draft]], rng: random.Random) -> list[Draft]:
    """The lanes' drafts mixed at random, each lane's in its order: one commune's
    payments share a key, hence a partition, whose order Kafka keeps."""
    lanes = [list(lane) for lane in lanes if lane]
    mixed = []
    while lanes:
        lane = lanes[rng.randrange(len(lanes))]
        mixed.append(lane.pop(0))
        if not lane:
            lanes.remove(lane)
    return mixed
