"""The treasury as properties (docs/rules.md s8, docs/ledger.md s4): tranches sum to the
amount they split; the orders of any allocation sum to each commune's grant; and whatever
payments, re-approvals and refunds arrive, in any order and valid or not, the money's
path adds up for every commune, ``ledger verify`` is clean and no order is settled for
more than it holds.

Examples are few (each feeds a fresh ledger through the batch handler): the point is the
variety of sequences, not their number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pac_grants import money
from pac_grants.rules.payment import Tranche, pro_rata, split_tranches
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import Feed, fresh
from tests.unit.treasury_support import (
    A,
    B,
    Books,
    C,
    assert_sound,
    assessed,
    closed,
    grants,
    orders,
    paid,
    pool_adjusted,
    program,
    recovered,
    reopened,
    ship,
    variant,
)

CODES = (A, B, C)


# -- (a) split_tranches and pro_rata, pure ------------------------------------------------
shares = st.lists(st.integers(1, 1000), min_size=1, max_size=6).map(
    lambda weights: [Fraction(w, sum(weights)) for w in weights])


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(0, 10**14), fractions=shares, due=st.integers(0, 400))
def test_tranches_sum_to_the_amount(amount: int, fractions: list[Fraction], due: int) -> None:
    tranches = [Tranche(share, due) for share in fractions]
    parts = split_tranches(amount, tranches)
    assert sum(parts) == amount and all(part >= 0 for part in parts)
    assert parts[:-1] == [amount * s.numerator // s.denominator for s in fractions[:-1]]


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(0, 10**14),
       weights=st.dictionaries(st.sampled_from(["afd", "state", "world_bank", "eib"]),
                               st.integers(0, 10**10), min_size=1))
def test_pro_rata_shares_sum_to_the_amount_within_a_centime(amount: int,
                                                            weights: dict[str, int]) -> None:
    shared = pro_rata(amount, sorted(weights.items()))
    total = sum(weights.values())
    if total == 0:
        assert set(shared.values()) == {0}
        return
    assert sum(shared.values()) == amount
    for name, weight in weights.items():
        assert abs(Fraction(shared[name]) - Fraction(amount * weight, total)) < 1


# -- (b) the orders of any allocation ----------------------------------------------------
@st.composite
def payment_keys(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """1 to 4 tranches whose decimal shares (thousandths) sum to exactly 1."""
    cuts = sorted(draw(st.sets(st.integers(1, 999), max_size=3)))
    bounds = [0, *cuts, 1000]
    return {"tranches": [{"share": "1" if hi - lo == 1000 else f"0.{hi - lo:03d}",
                          "due_days": draw(st.integers(0, 400))}
                         for lo, hi in pairwise(bounds)]}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payment=payment_keys(), pool=st.integers(0, 200_000_000),
       excluded=st.sets(st.sampled_from(CODES), max_size=2))
def test_the_orders_of_any_allocation_sum_to_each_grant(
        payment: dict[str, list[dict[str, Any]]], pool: int, excluded: set[str]) -> None:
    tranches = payment["tranches"]
    ruleset = variant(2021, "test-2021", payment=payment)
    with pytest.MonkeyPatch.context() as patch:
        ship(patch, ruleset)
        feed = Feed()
        program(feed, pool, ruleset_id="test-2021")
        feed.send("assessments", *(assessed(code, revision=2, conditions={
            f"MMC{n}": n != 3 for n in range(1, 8)}) for code in excluded))
        feed.send("cycles", closed())
    granted = grants(feed)
    assert set(granted) <= set(CODES) - excluded
    for code in CODES:
        mine = orders(feed, 2021, code)
        assert sum(o.amount for o in mine) == granted.get(code, 0)
        grant = granted.get(code, 0)
        floors = [grant * Fraction(t["share"]) // 1 for t in tranches[:-1]]
        assert {o.tranche: o.amount for o in mine} == {  # a tranche of 0 is not ordered
            f"T{k}": part for k, part in enumerate([*floors, grant - sum(floors)], start=1)
            if part}
        due = {f"T{k}": date(2022, 6, 30) + timedelta(days=t["due_days"])
               for k, t in enumerate(tranches, start=1)}
        assert all(o.due_on == due[o.tranche] for o in mine)
    assert_sound(feed)


# -- (c) any sequence of treasury events ------------------------------------------------
@dataclass(frozen=True)
class Pay:
    commune: int
    ratio: Fraction  # of what the chosen order (or all orders) leaves unpaid
    order: str | None  # "T1", "T2", "A1", ..., "other" (another commune's), None
    early: bool  # dated before the approval


@dataclass(frozen=True)
class Reapprove:
    pool: int | None
    commune: int
    change: str  # "same", "ineligible", "eligible", "weaker", "stronger"


@dataclass(frozen=True)
class Recover:
    commune: int
    ratio: Fraction  # of what it owes


@dataclass(frozen=True)
class Again:
    """The treasury sends an earlier payment again (a new event, the same reference)."""

    nth: int


@dataclass(frozen=True)
class NextCycle:
    """Cycle 2022 opens and is approved (once): it offsets what communes owe on 2021."""


ratios = st.sampled_from([Fraction(1, 10), Fraction(1, 2), Fraction(1), Fraction(1),
                          Fraction(101, 100)])
payments = st.builds(Pay, st.integers(0, 2), ratios,
                     st.sampled_from([None, None, None, "T1", "T2", "T2", "A1", "T9", "other"]),
                     st.sampled_from([False, False, False, False, True]))
steps = st.one_of(
    payments, payments, payments,
    st.builds(Reapprove, st.none() | st.integers(1_000_000, 20_000_000), st.integers(0, 2),
              st.sampled_from(["same", "ineligible", "eligible", "weaker", "stronger"])),
    st.builds(Reapprove, st.integers(1_000_000, 8_000_000), st.integers(0, 2),
              st.just("same")),  # a cut: what was paid may now be too much
    st.builds(Recover, st.integers(0, 2), ratios),
    st.builds(Again, st.integers(0, 5)),
    st.just(NextCycle()),
)
Step = Pay | Reapprove | Recover | Again | NextCycle


class Treasury:
    """Plays steps on cycle 2021 (papc-2021) and keeps the dates moving forward. A and B
    start with their first tranche paid, so that a cut can leave money to recover."""

    def __init__(self) -> None:
        self.feed = Feed()
        program(self.feed, 10_000_000)
        self.feed.send("cycles", closed())
        self.day = date(2022, 7, 1)
        self.revisions = dict.fromkeys(CODES, 1)
        self.payments: list[dict[str, Any]] = []
        self.refunds = 0
        for n in (0, 1):
            self.pay(Pay(n, Fraction(1), "T1", early=False))

    def today(self) -> str:
        self.day += timedelta(days=3)
        return self.day.isoformat()

    def play(self, step: Step) -> None:
        match step:
            case NextCycle():
                if not grants(self.feed, 2022):
                    program(self.feed, 10_000_000, cycle=2022)
                    self.feed.send("cycles", closed(2022, on=self.today()))
            case Pay():
                self.pay(step)
            case Reapprove():
                self.reapprove(step)
            case Recover():
                code = CODES[step.commune]
                owed = -Books.of(self.feed).balance(f"receivable:2021:{code}")
                amount = max(1, int(owed * step.ratio))
                self.refunds += 1
                self.feed.send("disbursements", recovered(
                    code, money.text(amount), f"REC-{self.refunds}", on=self.today()))
            case Again():
                if self.payments:
                    earlier = self.payments[step.nth % len(self.payments)]
                    self.feed.send("disbursements", fresh(earlier))

    def pay(self, step: Pay) -> None:
        code = CODES[step.commune]
        mine = {o.tranche: o for o in orders(self.feed, 2021, code)}
        order_id, unpaid = None, sum(o.unpaid for o in mine.values())
        if step.order == "other":
            order_id = f"2021-{CODES[step.commune - 1]}-T1"
        elif step.order is not None:
            order_id = f"2021-{code}-{step.order}"
            unpaid = mine[step.order].unpaid if step.order in mine else 1
        amount = max(1, int(unpaid * step.ratio))
        on = "2022-06-01" if step.early else self.today()
        event = paid(code, money.text(amount), f"TGR-{len(self.payments)}", on=on,
                     order_id=order_id)
        self.payments.append(event)
        self.feed.send("disbursements", event)

    def reapprove(self, step: Reapprove) -> None:
        self.feed.send("cycles", reopened(on=self.today()))
        if step.pool is not None:
            self.feed.send("cycles", pool_adjusted(step.pool))
        code = CODES[step.commune]
        if step.change != "same":
            self.revisions[code] += 1
            self.feed.send("assessments", self.revision(code, step.change))
        self.feed.send("cycles", closed(on=self.today()))

    def revision(self, code: str, change: str) -> dict[str, Any]:
        revision = self.revisions[code]
        if change == "ineligible":
            return assessed(code, revision=revision,
                            conditions={f"MMC{n}": n != 2 for n in range(1, 8)})
        value = {"eligible": "0.82", "weaker": "0.10", "stronger": "1.0"}[change]
        return assessed(code, revision=revision, indicators=ev.INDICATORS_2021 | {
            "A1": value, "A3": value, "B1": value})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(steps, min_size=1, max_size=8))
def test_the_money_path_holds_after_any_sequence(
        plan: list[Step]) -> None:
    treasury = Treasury()
    assert_sound(treasury.feed)
    for step in plan:
        treasury.play(step)
        assert_sound(treasury.feed)
    books = Books.of(treasury.feed)
    for cycle in treasury.feed.ledger.cycles():  # the read side agrees to the centime
        for row in treasury.feed.ledger.balances(cycle):
            account = f"{cycle}:{row.code}"
            assert (row.allocated, row.paid, row.outstanding, row.to_recover) == (
                books.allocated()[(cycle, row.code)], books.balance(f"paid:{account}"),
                books.balance(f"payable:{account}") + books.balance(f"ordered:{account}"),
                -books.balance(f"receivable:{account}"))
