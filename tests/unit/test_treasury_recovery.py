"""A re-approval that changes grants already ordered or paid (docs/rules.md s8.1, s8.3;
docs/ledger.md s3-4; docs/events.md s7.2, s8.3): cancellations latest due first, money to
recover, its refund, increases ordered as A{n}, and offsets from a later cycle's grant.

Cycle 2021 (papc-2021, ``recovery: offset_next_cycle``) is approved on 2022-06-30 with
tranches T1 (due 2022-07-30) and T2 (due 2023-01-26); re-approvals follow a
``CycleReopened`` and a ``PoolAdjusted``, which moves every grant the same way.
"""

from __future__ import annotations

from datetime import date

import pytest

from pac_grants import money
from pac_grants.ledger import OrderRow
from tests.unit.streams_harness import Feed
from tests.unit.treasury_support import (
    A,
    B,
    Books,
    assert_sound,
    closed,
    grants,
    order,
    order_events,
    orders,
    paid,
    pool_adjusted,
    program,
    reapprove,
    recovered,
    refusal,
    ship,
    variant,
)

T1, T2 = f"2021-{A}-T1", f"2021-{A}-T2"


def approved(pool: int = 10_000_000) -> Feed:
    feed = Feed()
    program(feed, pool)
    feed.send("cycles", closed())
    return feed


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


def owing(pool_after: int = 5_000_000) -> tuple[Feed, int]:
    """A paid in full on 2021, then its grant lowered: it owes the difference."""
    feed = approved()
    feed.send("disbursements", paid(A, money.text(grants(feed)[A]), "TGR-1"))
    reapprove(feed, pool_adjusted(pool_after))
    owed = -Books.of(feed).balance(f"receivable:2021:{A}")
    assert owed > 0 and owed == grants(approved())[A] - grants(feed)[A]
    return feed, owed


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


def test_a_later_cycle_settles_the_debt_from_its_first_tranches() -> None:
    feed, owed = owing()
    program(feed, cycle=2022)  # papc-2022: tranches 0.4 and 0.6
    feed.send("cycles", closed(2022, "2023-06-30"))
    grant = grants(feed, 2022)[A]
    first = grant * 4 // 10
    assert first < owed < grant  # T1 is all offset, T2 partly
    books = Books.of(feed)
    offsets = books.kind("offset")
    assert [(tx["cycle"], tx["effective_date"], [(p["account"], p["amount"])
                                                 for p in tx["postings"]]) for tx in offsets] \
        == [(2022, "2023-06-30", [(f"payable:2022:{A}", -owed), (f"paid:2022:{A}", owed),
                                  (f"receivable:2021:{A}", owed), (f"paid:2021:{A}", -owed)])]
    assert books.balance(f"receivable:2021:{A}") == 0
    assert [(o.order_id, o.gross, o.offset, o.amount) for o in orders(feed, 2022, A)] == [
        (f"2022-{A}-T2", grant - first, owed - first, grant - owed)]  # T1 (net 0): no order
    issued = [e for e in order_events(feed, "PaymentOrderIssued")
              if e["cycle"] == 2022 and e["commune_code"] == A]
    assert [(e["order_id"], e["gross_mad"], e["offset_mad"], e["amount_mad"]) for e in issued] \
        == [(f"2022-{A}-T2", money.text(grant - first), money.text(owed - first),
             money.text(grant - owed))]
    assert [books.balance(f"{k}:2022:{A}") for k in ("payable", "ordered", "paid")] == [
        0, grant - owed, owed]
    assert all(o.offset == 0 for o in orders(feed, 2022) if o.commune_code != A)
    assert_sound(feed)


def test_a_debt_smaller_than_the_first_tranche_leaves_the_rest_of_it_to_pay() -> None:
    feed, owed = owing(9_000_000)
    program(feed, cycle=2022)
    feed.send("cycles", closed(2022, "2023-06-30"))
    grant = grants(feed, 2022)[A]
    first = grant * 4 // 10
    assert [(o.tranche, o.gross, o.offset, o.amount) for o in orders(feed, 2022, A)] == [
        ("T1", first, owed, first - owed), ("T2", grant - first, 0, grant - first)]
    assert_sound(feed)


def test_a_refund_only_debt_is_not_offset() -> None:
    feed = Feed()
    program(feed, cycle=2020)  # papc-2020: recovery by refund only
    feed.send("cycles", closed(2020, "2021-06-30"))
    feed.send("disbursements", paid(A, money.text(grants(feed, 2020)[A]), "TGR-1",
                                    cycle=2020, on="2021-07-15"))
    reapprove(feed, pool_adjusted(5_000_000, cycle=2020), cycle=2020,
              reopened_on="2021-09-01", on="2021-09-30")
    owed = -Books.of(feed).balance(f"receivable:2020:{A}")
    assert owed > 0
    program(feed)
    feed.send("cycles", closed())
    assert Books.of(feed).kind("offset") == []
    assert Books.of(feed).balance(f"receivable:2020:{A}") == -owed
    assert sum(o.amount for o in orders(feed, 2021, A)) == grants(feed)[A]
    assert all(o.offset == 0 for o in orders(feed, 2021))
    assert_sound(feed)


def test_debts_on_several_cycles_are_offset_oldest_cycle_first() -> None:
    feed = approved()
    program(feed, cycle=2022)
    feed.send("cycles", closed(2022, "2023-06-30"))
    for cycle, on in ((2021, "2023-07-15"), (2022, "2023-07-15")):
        feed.send("disbursements", paid(A, money.text(grants(feed, cycle)[A]), f"TGR-{cycle}",
                                        cycle=cycle, on=on))
    for cycle in (2021, 2022):
        reapprove(feed, pool_adjusted(5_000_000, cycle=cycle), cycle=cycle,
                  reopened_on="2023-08-01", on="2023-08-15")
    owed = {cycle: -Books.of(feed).balance(f"receivable:{cycle}:{A}") for cycle in (2021, 2022)}
    program(feed, 6_000_000, cycle=2023)
    feed.send("cycles", closed(2023, "2024-06-30"))
    grant = grants(feed, 2023)[A]
    assert owed[2021] < grant < owed[2021] + owed[2022]
    assert [(tx["id"], tx["details"]["amount"]) for tx in Books.of(feed).kind("offset")] == [
        (f"offset:2023:{A}:2021:1", owed[2021]), (f"offset:2023:{A}:2022:1", grant - owed[2021])]
    assert orders(feed, 2023, A) == []  # the whole grant settled debts: no order to issue
    books = Books.of(feed)
    assert books.balance(f"receivable:2022:{A}") == -(owed[2021] + owed[2022] - grant)
    assert books.balance(f"paid:2023:{A}") == grant
    assert feed.rejected == []
    assert_sound(feed)


def test_an_increase_all_offset_keeps_its_order_number() -> None:
    """2022 is approved before A comes to owe money on 2021; its next increase on 2022
    goes wholly to that debt (A1, net 0, is not issued), the one after is A2."""
    feed = approved()
    feed.send("disbursements", paid(A, money.text(grants(feed)[A]), "TGR-1"))
    program(feed, cycle=2022)
    feed.send("cycles", closed(2022, "2023-06-30"))
    reapprove(feed, pool_adjusted(9_000_000), reopened_on="2023-07-01", on="2023-07-15")
    owed = -Books.of(feed).balance(f"receivable:2021:{A}")
    before = grants(feed, 2022)[A]
    reapprove(feed, pool_adjusted(10_100_000, cycle=2022), cycle=2022,
              reopened_on="2023-08-01", on="2023-08-15")
    first = grants(feed, 2022)[A] - before
    assert 0 < first < owed and orders(feed, 2022, A)[-1].tranche == "T2"  # nothing issued
    reapprove(feed, pool_adjusted(12_000_000, cycle=2022), cycle=2022,
              reopened_on="2023-09-01", on="2023-09-15")
    second = grants(feed, 2022)[A] - before - first
    increase = order(feed, f"2022-{A}-A2")
    assert (increase.gross, increase.offset, increase.amount) == (
        second, owed - first, second - (owed - first))
    assert [o.tranche for o in orders(feed, 2022, A)] == ["T1", "A2", "T2"]
    assert_sound(feed)
