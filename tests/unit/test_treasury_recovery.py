"""A re-approval that changes grants already ordered or paid (docs/rules.md s8.1, s8.3;
docs/ledger.md s3-4; docs/events.md s7.2, s8.3): cancellations latest due first, money to
recover, its refund, increases ordered as A{n}, a commune changing window, a cycle
without orders (offsets from a later cycle's grant: test_treasury_offsets.py).

Cycle 2021 (papc-2021, ``recovery: offset_next_cycle``) is approved on 2022-06-30 with
tranches T1 (due 2022-07-30) and T2 (due 2023-01-26); re-approvals follow a
``CycleReopened`` and a ``PoolAdjusted``, which moves every grant the same way.
"""

from __future__ import annotations

from datetime import date

import pytest

from pac_grants import money
from pac_grants.ledger import OrderRow
from tests.unit.streams_harness import Feed, commune
from tests.unit.treasury_support import (
    A,
    B,
    Books,
    C,
    approved,
    assert_sound,
    assessed,
    closed,
    grants,
    ineligible,
    opened,
    order,
    order_events,
    orders,
    owing,
    paid,
    pool_adjusted,
    program,
    reapprove,
    recovered,
    refusal,
    reopened,
    ship,
    variant,
)

T1, T2 = f"2021-{A}-T1", f"2021-{A}-T2"


def cancellations(before: list[OrderRow], d: int) -> list[tuple[str, int, int]]:
    """docs/rules.md s8.1: exactly d of the unpaid orders, latest due first (ties: order
    id descending), the last one partly: (order, cancelled, what stays to pay)."""
    out = []
    for row in sorted(before, key=lambda o: (o.due_on, o.order_id), reverse=True):
        x = min(row.unpaid, d)
        if x > 0:
            out.append((row.order_id, x, row.unpaid - x))
        d -= x
    return out


def cancel_events(feed: Feed) -> list[tuple[str, int, int, str]]:
    return [(e["order_id"], money.parse(e["amount_mad"]), money.parse(e["remaining_mad"]),
             e["cancelled_on"]) for e in order_events(feed, "PaymentOrderCancelled")]


def test_a_decrease_cancels_unpaid_orders_latest_due_first() -> None:
    feed = approved()
    feed.send("disbursements", paid(A, "1000.00", "TGR-1", order_id=T2))
    old, before = grants(feed)[A], orders(feed, 2021, A)
    reapprove(feed, pool_adjusted(9_000_000))
    d = old - grants(feed)[A]
    assert 0 < d < order(feed, T2).amount  # T2 alone absorbs it, partly
    assert cancellations(before, d) == [(T2, d, before[1].unpaid - d)]
    assert [e for e in cancel_events(feed) if e[0].startswith(f"2021-{A}")] == [
        (T2, d, before[1].unpaid - d, "2022-09-30")]
    assert (order(feed, T1).cancelled, order(feed, T2).cancelled) == (0, d)

    old, before = grants(feed)[A], orders(feed, 2021, A)
    reapprove(feed, pool_adjusted(3_000_000), reopened_on="2022-10-01", on="2022-10-14")
    d = old - grants(feed)[A]
    expected = cancellations(before, d)
    assert [x[0] for x in expected] == [T2, T1] and expected[0][2] == 0  # T2 then T1, partly
    assert [e[:3] for e in cancel_events(feed) if e[3] == "2022-10-14"
            and e[0].startswith(f"2021-{A}")] == expected
    assert order(feed, T2).paid == 100_000 and order(feed, T2).unpaid == 0  # partly paid,
    assert order(feed, T2).cancelled < order(feed, T2).amount              # not cancelled
    books = Books.of(feed)
    cancelled = [tx for tx in books.kind("order_cancel") if tx["details"]["order_id"] in (T1, T2)]
    assert [(tx["details"]["amount"], [(p["account"], p["amount"]) for p in tx["postings"]])
            for tx in cancelled][-2:] == [
        (x, [(f"ordered:2021:{A}", -x), (f"payable:2021:{A}", x)]) for _o, x, _r in expected]
    assert books.balance(f"receivable:2021:{A}") == 0 and books.balance(f"payable:2021:{A}") == 0
    assert_sound(feed)


def test_orders_due_the_same_day_are_cancelled_by_id_descending(
        monkeypatch: pytest.MonkeyPatch) -> None:
    same_day = {"tranches": [{"share": "0.5", "due_days": 30}, {"share": "0.5", "due_days": 30}]}
    ship(monkeypatch, variant(2021, "test-2021", payment=same_day))
    feed = Feed()
    program(feed, ruleset_id="test-2021")
    feed.send("cycles", closed())
    reapprove(feed, pool_adjusted(9_000_000))
    assert order(feed, T1).due_on == order(feed, T2).due_on
    assert order(feed, T1).cancelled == 0 and order(feed, T2).cancelled > 0


def test_what_orders_cannot_absorb_leaves_payable_then_becomes_money_to_recover() -> None:
    feed = approved()
    half = order(feed, T1).amount
    feed.send("disbursements", paid(A, money.text(half), "TGR-1", order_id=T1))
    old = grants(feed)[A]
    reapprove(feed, pool_adjusted(4_000_000))
    new = grants(feed)[A]
    d, t2 = old - new, order(feed, T2).amount
    assert d > t2 and order(feed, T2).cancelled == t2
    adjustment = next(tx for tx in Books.of(feed).kind("adjustment")
                      if tx["id"] == f"adjustment:2021:{A}:2")
    assert sorted((p["account"], p["amount"]) for p in adjustment["postings"]) == [
        (f"payable:2021:{A}", -t2), ("pool:2021:standard", d),
        (f"receivable:2021:{A}", -(d - t2))]
    books = Books.of(feed)
    assert [books.balance(f"{k}:2021:{A}") for k in ("payable", "ordered", "paid",
                                                     "receivable")] == [0, 0, half, new - half]
    assert_sound(feed)


def test_a_refund_moves_money_from_paid_back_to_the_receivable() -> None:
    feed, owed = owing()
    paid_before = Books.of(feed).balance(f"paid:2021:{A}")
    feed.send("disbursements", recovered(A, "1000.00", "TGR-REC-1"))
    books = Books.of(feed)
    recovery = books.kind("recovery")
    assert [(tx["effective_date"], [(p["account"], p["amount"]) for p in tx["postings"]])
            for tx in recovery] == [("2022-11-15", [(f"receivable:2021:{A}", 100_000),
                                                    (f"paid:2021:{A}", -100_000)])]
    assert books.balance(f"receivable:2021:{A}") == -(owed - 100_000)
    assert books.balance(f"paid:2021:{A}") == paid_before - 100_000
    feed.send("disbursements", recovered(A, money.text(owed - 100_000), "TGR-REC-2"))
    assert Books.of(feed).balance(f"receivable:2021:{A}") == 0
    assert feed.rejected == []
    assert_sound(feed)


def test_refunds_above_the_debt_or_dated_before_it_are_refused() -> None:
    feed, owed = owing()
    feed.send("disbursements", recovered(A, money.text(owed + 1), "TGR-REC-1"))
    code, message = refusal(feed)
    assert code == "exceeds_receivable" and money.text(owed) in message and A in message
    feed.send("disbursements", recovered(B, "0.01", "TGR-REC-2"))  # B was never overpaid
    assert refusal(feed)[0] == "exceeds_receivable" and "0.00" in refusal(feed)[1]
    feed.send("disbursements", recovered(A, "1.00", "TGR-REC-3", on="2022-09-29"))
    code, message = refusal(feed)  # the debt dates from the re-approval of 2022-09-30
    assert code == "invalid_value" and "2022-09-29" in message and "2022-09-30" in message
    assert feed.rejected == ["exceeds_receivable"] * 2 + ["invalid_value"]
    assert Books.of(feed).kind("recovery") == []


def test_the_same_recovery_ref_again_has_no_second_effect() -> None:
    feed, owed = owing()
    feed.send("disbursements", recovered(A, "1000.00", "TGR-REC-1"))
    feed.send("disbursements", recovered(A, "1000.00", "TGR-REC-1"),
              recovered(A, "7.00", "TGR-REC-1"))
    assert feed.rejected == [] and len(Books.of(feed).kind("recovery")) == 1
    assert Books.of(feed).balance(f"receivable:2021:{A}") == -(owed - 100_000)


def test_an_increase_first_clears_the_debt_then_is_ordered_as_a_new_order() -> None:
    feed, owed = owing()
    low = grants(feed)[A]
    reapprove(feed, pool_adjusted(12_000_000), reopened_on="2022-10-01", on="2022-10-14")
    d = grants(feed)[A] - low
    assert d > owed
    adjustment = next(tx for tx in Books.of(feed).kind("adjustment")
                      if tx["id"] == f"adjustment:2021:{A}:3")
    assert sorted((p["account"], p["amount"]) for p in adjustment["postings"]) == [
        (f"payable:2021:{A}", d - owed), ("pool:2021:standard", -d),
        (f"receivable:2021:{A}", owed)]
    first = order(feed, f"2021-{A}-A1")
    assert (first.tranche, first.amount, first.issued_on, first.due_on, first.approval) == (
        "A1", d - owed, date(2022, 10, 14), date(2022, 11, 13), 3)
    issued = [e for e in order_events(feed, "PaymentOrderIssued") if e["tranche"] == "A1"
              and e["commune_code"] == A]
    assert [(e["amount_mad"], e["gross_mad"], e["offset_mad"], e["due_on"]) for e in issued] \
        == [(money.text(d - owed), money.text(d - owed), "0.00", "2022-11-13")]
    reapprove(feed, pool_adjusted(13_000_000), reopened_on="2022-11-01", on="2022-11-15")
    second = order(feed, f"2021-{A}-A2")
    assert second.amount == grants(feed)[A] - low - d and second.due_on == date(2022, 12, 15)
    assert Books.of(feed).balance(f"receivable:2021:{A}") == 0
    assert_sound(feed)


def test_a_commune_that_changes_window_is_handled_on_its_net_change(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ship(monkeypatch, variant(2021, "test-2021", extra_window="grandes_communes"))
    feed = Feed()
    feed.send("communes", commune(A, 300_000), commune(B, 200_000), commune(C, 600_000))
    feed.send("cycles", opened(2021, {"standard": 10_000_000, "grandes_communes": 5_000_000},
                               "test-2021"))
    feed.send("assessments", *(assessed(code) for code in (A, B, C)))
    feed.send("cycles", closed())
    feed.send("disbursements", paid(A, "1000000.00", "TGR-1"))
    old, before = grants(feed)[A], orders(feed, 2021, A)
    feed.send("cycles", reopened())
    feed.send("communes", commune(A, 700_000))  # A grows into the other window
    feed.send("cycles", closed(on="2022-09-30"))
    new = grants(feed)[A]
    adjustment = next(tx for tx in Books.of(feed).kind("adjustment")
                      if tx["id"] == f"adjustment:2021:{A}:2")
    assert sorted((p["account"], p["amount"]) for p in adjustment["postings"]) == [
        (f"payable:2021:{A}", new - old), ("pool:2021:grandes_communes", -new),
        ("pool:2021:standard", old)]
    assert adjustment["window"] == "grandes_communes" and 0 < new < old
    assert [(o.order_id, o.cancelled) for o in orders(feed, 2021, A) if o.cancelled] == [
        (order_id, x) for order_id, x, _rest in reversed(cancellations(before, old - new))]
    assert {b.code: b.window for b in feed.ledger.balances(2021)}[A] == "grandes_communes"
    assert feed.rejected == []
    assert_sound(feed)


def test_a_cycle_without_orders_moves_its_changes_through_payable() -> None:
    feed = Feed()
    program(feed)
    with feed.ledger.unit_of_work() as uow:  # approved before orders existed (migration 0005)
        uow.state.update_cycle(2021, orders=False)
        uow.commit()
    feed.send("cycles", closed())
    feed.send("disbursements", paid(A, "3000000.00", "TGR-1"))
    reapprove(feed, pool_adjusted(5_000_000))  # A's grant falls below what it was paid
    books = Books.of(feed)
    low = grants(feed)[A]
    assert [books.balance(f"{k}:2021:{A}") for k in ("payable", "ordered", "paid",
                                                     "receivable")] == [
        0, 0, 300_000_000, low - 300_000_000]
    reapprove(feed, pool_adjusted(12_000_000), reopened_on="2022-10-01", on="2022-10-14")
    books = Books.of(feed)
    assert [books.balance(f"{k}:2021:{A}") for k in ("payable", "ordered", "paid",
                                                     "receivable")] == [
        grants(feed)[A] - 300_000_000, 0, 300_000_000, 0]
    assert orders(feed) == [] and order_events(feed) == []
    assert_sound(feed)


def test_the_summary_counts_the_eligible_communes_of_the_last_approval() -> None:
    """A re-approval that drops a commune changes the count the summary shows."""
    feed = approved()
    [before] = feed.ledger.summary(2021)[0].windows
    reapprove(feed, ineligible(C))
    [after] = feed.ledger.summary(2021)[0].windows
    assert (before.eligible, after.eligible) == (3, 2)
    assert_sound(feed)
