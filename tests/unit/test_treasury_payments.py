"""Reconciliation of the treasury's payments (docs/events.md s7.1, s9-s10; docs/ledger.md
s3): a payment settles the order it names, or the commune's orders oldest due first;
every refusal has its code and leaves the ledger as it was.

Cycle 2021 (papc-2021: two half tranches due 30 and 210 days after the approval of
2022-06-30): T1 due 2022-07-30, T2 due 2023-01-26.
"""

from __future__ import annotations

from datetime import date

import pytest

from pac_grants import money
from tests.unit.streams_harness import Feed
from tests.unit.treasury_support import (
    A,
    B,
    Books,
    approved,
    assert_sound,
    closed,
    grants,
    order,
    orders,
    paid,
    pool_adjusted,
    program,
    reapprove,
    refusal,
    reopened,
)

T1, T2 = f"2021-{A}-T1", f"2021-{A}-T2"


def refused(feed: Feed, event: dict[str, object], code: str) -> str:
    """Send a payment the calculator must refuse with ``code``; nothing changes."""
    before = (Books.of(feed).balances(), orders(feed))
    feed.send("disbursements", event)
    assert feed.rejected[-1:] == [code]
    assert (Books.of(feed).balances(), orders(feed)) == before
    return refusal(feed)[1]


def test_a_payment_naming_its_order_settles_that_order() -> None:
    feed = approved()
    half = order(feed, T1).amount
    feed.send("disbursements", paid(A, "1000.00", "TGR-1", order_id=T2))
    assert (order(feed, T1).paid, order(feed, T2).paid) == (0, 100_000)
    feed.send("disbursements", paid(A, money.text(half), "TGR-2", order_id=T1))
    assert (order(feed, T1).unpaid, order(feed, T2).unpaid) == (0, half - 100_000)
    books = Books.of(feed)
    assert [(tx["effective_date"], tx["details"]["orders"], [
        (p["account"], p["amount"]) for p in tx["postings"]])
        for tx in books.kind("disbursement")] == [
        ("2022-07-15", {T2: 100_000}, [(f"ordered:2021:{A}", -100_000),
                                       (f"paid:2021:{A}", 100_000)]),
        ("2022-07-15", {T1: half}, [(f"ordered:2021:{A}", -half), (f"paid:2021:{A}", half)])]
    assert books.balance(f"paid:2021:{A}") == half + 100_000
    assert books.balance(f"ordered:2021:{A}") == grants(feed)[A] - half - 100_000
    assert feed.rejected == []
    assert_sound(feed)


@pytest.mark.parametrize("order_id", [f"2021-{A}-T9", f"2021-{B}-T1", f"2020-{A}-T1"])
def test_an_order_of_nobody_of_another_commune_or_cycle_is_unknown(order_id: str) -> None:
    feed = Feed()
    program(feed, cycle=2020)
    feed.send("cycles", closed(2020, "2021-06-30"))
    program(feed)
    feed.send("cycles", closed())
    message = refused(feed, paid(A, "10.00", "TGR-1", order_id=order_id), "unknown_order")
    assert order_id in message and A in message and "2021" in message


def test_a_payment_above_the_unpaid_rest_of_its_order_is_refused() -> None:
    feed = approved()
    half = order(feed, T1).amount
    feed.send("disbursements", paid(A, "1000.00", "TGR-1", order_id=T1))
    rest = half - 100_000
    message = refused(feed, paid(A, money.text(rest + 1), "TGR-2", order_id=T1),
                      "exceeds_order")
    assert T1 in message and money.text(rest) in message
    feed.send("disbursements", paid(A, money.text(rest), "TGR-3", order_id=T1))
    assert order(feed, T1).unpaid == 0
    refused(feed, paid(A, "0.01", "TGR-4", order_id=T1), "exceeds_order")
    assert_sound(feed)


def test_a_cancelled_order_takes_no_payment() -> None:
    feed = approved()
    reapprove(feed, pool_adjusted(4_000_000))  # A's grant falls by more than T2
    cancelled = order(feed, T2)
    assert (cancelled.unpaid, cancelled.cancelled) == (0, cancelled.amount)
    message = refused(feed, paid(A, "0.01", "TGR-2", order_id=T2, on="2022-10-01"),
                      "exceeds_order")
    assert "cancelled" in message


def test_without_an_order_the_oldest_due_is_settled_first() -> None:
    feed = approved()
    half = order(feed, T1).amount
    feed.send("disbursements", paid(A, money.text(half + 250_000), "TGR-1"))
    assert (order(feed, T1).unpaid, order(feed, T2).paid) == (0, 250_000)
    assert Books.of(feed).kind("disbursement")[0]["details"]["orders"] == {
        T1: half, T2: 250_000}
    feed.send("disbursements", paid(A, "1.00", "TGR-2"))  # T1 is paid: T2 now
    assert order(feed, T2).paid == 250_100
    assert_sound(feed)


def test_without_an_order_a_payment_above_all_unpaid_orders_is_refused() -> None:
    feed = approved()
    unpaid = grants(feed)[A]
    message = refused(feed, paid(A, money.text(unpaid + 1), "TGR-1"), "exceeds_outstanding")
    assert money.text(unpaid) in message and A in message
    feed.send("disbursements", paid(A, money.text(unpaid), "TGR-2"))
    assert [o.unpaid for o in orders(feed, 2021, A)] == [0, 0]
    refused(feed, paid(A, "0.01", "TGR-3"), "exceeds_outstanding")
    assert_sound(feed)


def test_a_payment_dated_before_the_first_approval_is_refused() -> None:
    feed = approved()
    message = refused(feed, paid(A, "10.00", "TGR-1", on="2022-06-29"), "paid_before_approval")
    assert "2022-06-29" in message and "2022-06-30" in message
    refused(feed, paid(A, "10.00", "TGR-2", on="2022-06-29", order_id=T1),
            "paid_before_approval")
    feed.send("disbursements", paid(A, "10.00", "TGR-3", on="2022-06-30"))
    assert order(feed, T1).paid == 1000


def test_a_payment_dated_before_its_order_was_issued_is_invalid() -> None:
    feed = approved()
    reapprove(feed, pool_adjusted(12_000_000))  # every grant rises: orders A1 on 09-30
    increase = order(feed, f"2021-{A}-A1")
    assert increase.issued_on == date(2022, 9, 30)
    message = refused(feed, paid(A, "10.00", "TGR-1", on="2022-09-15",
                                 order_id=increase.order_id), "invalid_value")
    assert "2022-09-15" in message and increase.order_id in message
    # Without an order, T1 then A1 (due 2022-10-30, before T2) are settled: A1 is later.
    half = order(feed, T1).amount
    refused(feed, paid(A, money.text(half + 100), "TGR-2", on="2022-09-15"), "invalid_value")
    feed.send("disbursements", paid(A, money.text(half + 100), "TGR-3", on="2022-09-30"))
    assert order(feed, T1).unpaid == 0 and order(feed, increase.order_id).paid == 100


def test_the_same_payment_ref_again_has_no_second_effect() -> None:
    feed = approved()
    feed.send("disbursements", paid(A, "1000.00", "TGR-1"))
    before = (Books.of(feed).balances(), orders(feed))
    feed.send("disbursements", paid(A, "1000.00", "TGR-1"))  # another event id, same ref
    feed.send("disbursements", paid(A, "5.00", "TGR-1", order_id=T2))  # even changed
    assert feed.rejected == []
    assert (Books.of(feed).balances(), orders(feed)) == before


def test_payments_are_taken_while_approved_and_while_reopened() -> None:
    feed = Feed()
    program(feed)
    feed.send("disbursements", paid(A, "10.00", "TGR-0"))
    assert feed.rejected == ["cycle_not_closed"]
    feed.send("cycles", closed())
    feed.send("disbursements", paid(A, "10.00", "TGR-1"))
    feed.send("cycles", reopened())
    feed.send("disbursements", paid(A, "10.00", "TGR-2", on="2022-09-02", order_id=T2))
    assert feed.rejected == ["cycle_not_closed"]
    assert (order(feed, T1).paid, order(feed, T2).paid) == (1000, 1000)
    assert_sound(feed)


def test_a_cycle_approved_before_orders_existed_pays_from_payable() -> None:
    feed = Feed()
    program(feed)
    with feed.ledger.unit_of_work() as uow:  # what migration 0005 records for such a cycle
        uow.state.update_cycle(2021, orders=False)
        uow.commit()
    feed.send("cycles", closed())
    assert orders(feed) == [] and Books.of(feed).kind("order") == []
    grant = grants(feed)[A]
    feed.send("disbursements", paid(A, "1000.00", "TGR-1"))
    books = Books.of(feed)
    assert [(p["account"], p["amount"]) for p in books.kind("disbursement")[0]["postings"]] \
        == [(f"payable:2021:{A}", -100_000), (f"paid:2021:{A}", 100_000)]
    assert books.balance(f"payable:2021:{A}") == grant - 100_000
    refused(feed, paid(A, money.text(grant - 100_000 + 1), "TGR-2"), "exceeds_outstanding")
    refused(feed, paid(A, "1.00", "TGR-3", order_id=T1), "unknown_order")
    feed.send("disbursements", paid(A, money.text(grant - 100_000), "TGR-4"))
    assert Books.of(feed).balance(f"paid:2021:{A}") == grant
    assert_sound(feed)
