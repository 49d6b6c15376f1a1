"""Money to recover settled from a later cycle's grant (docs/rules.md s8.3, docs/ledger.md
s3 ``offset``, docs/events.md s8.3): with ``recovery: offset_next_cycle`` (the policy of
the cycle that is owed), a later approval keeps what the commune owes from its grant,
taken from T1, then T2; each order carries gross, offset and net, and an order whose net
is 0 is not issued (its number is kept).

A is paid its whole 2021 grant (papc-2021, offset_next_cycle), then 2021 is re-approved
with a smaller pool: A owes the difference. papc-2022 orders 40 % then 60 %.
"""

from __future__ import annotations

from pac_grants import money
from tests.unit.streams_harness import Feed
from tests.unit.treasury_support import (
    A,
    Books,
    approved,
    assert_sound,
    closed,
    grants,
    order,
    order_events,
    orders,
    owing,
    paid,
    pool_adjusted,
    program,
    reapprove,
)


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
