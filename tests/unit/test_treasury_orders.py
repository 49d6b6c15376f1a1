"""Payment orders in tranches (docs/rules.md s8.1, docs/ledger.md s3, docs/events.md s8.3):
what an approval orders, the order events it publishes, and the ruleset's ``payment`` key.

The expected orders are recomputed here from the grants the exported ledger shows and
the tranches of the ruleset, to the centime: floor(a x share) for every tranche but the
last, which takes the rest.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pac_grants import money
from pac_grants.cli import main
from pac_grants.rules.payment import Payment, Tranche, split_tranches
from pac_grants.rules.ruleset import RulesetError, packaged_ruleset_by_id
from tests.unit.streams_harness import Feed
from tests.unit.treasury_support import (
    A,
    B,
    Books,
    C,
    assert_sound,
    closed,
    ineligible,
    order_events,
    orders,
    program,
    ship,
    variant,
)

THIRDS = {"tranches": [{"share": "0.333", "due_days": 0}, {"share": "0.333", "due_days": 60},
                       {"share": "0.334", "due_days": 120}]}
CLOSED_ON = date(2022, 6, 30)


def _approved(feed: Feed, pool: int = 10_000_001) -> dict[str, int]:
    """Cycle 2021 with C failing a minimum condition, approved on 2022-06-30; the grants
    (centimes) as the exported ledger shows them."""
    program(feed, pool)
    feed.send("assessments", ineligible(C))
    feed.send("cycles", closed())
    grants = {code: amount for (cycle, code), amount in Books.of(feed).allocated().items()
              if cycle == 2021}
    assert feed.rejected == [] and set(grants) == {A, B} and all(grants.values())
    return grants


def test_one_order_per_tranche_per_commune_to_the_centime(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ship(monkeypatch, variant(2021, "test-2021", payment=THIRDS))
    feed = Feed()
    program(feed, 10_000_001, ruleset_id="test-2021")
    feed.send("assessments", ineligible(C))
    feed.send("cycles", closed())
    grants = {code: amount for (_cycle, code), amount in Books.of(feed).allocated().items()}
    assert set(grants) == {A, B}  # C, granted nothing, gets no order
    assert any(g % 1000 for g in grants.values())  # some floors really cut a centime
    expected = []
    for code in sorted(grants):
        first = grants[code] * 333 // 1000
        for k, (amount, days) in enumerate([(first, 0), (first, 60),
                                            (grants[code] - 2 * first, 120)], start=1):
            expected.append((f"2021-{code}-T{k}", code, f"T{k}", amount,
                             CLOSED_ON + timedelta(days=days)))
    assert [(o.order_id, o.commune_code, o.tranche, o.amount, o.due_on)
            for o in orders(feed)] == expected
    assert all((o.gross, o.offset, o.issued_on, o.approval, o.paid, o.cancelled)
               == (o.amount, 0, CLOSED_ON, 1, 0, 0) for o in orders(feed))
    books = Books.of(feed)
    for code, grant in grants.items():
        assert books.balance(f"payable:2021:{code}") == 0
        assert books.balance(f"ordered:2021:{code}") == grant
    assert_sound(feed)


def test_the_order_transactions_move_payable_to_ordered_on_the_approval_date() -> None:
    feed = Feed()
    grants = _approved(feed)
    posted = Books.of(feed).kind("order")
    assert len(posted) == 2 * len(grants)  # papc-2021: two tranches
    for tx in posted:
        row = next(o for o in orders(feed) if o.order_id == tx["details"]["order_id"])
        assert tx["effective_date"] == "2022-06-30" and tx["cycle"] == 2021
        assert [(p["account"], p["amount"]) for p in tx["postings"]] == [
            (f"payable:2021:{row.commune_code}", -row.amount),
            (f"ordered:2021:{row.commune_code}", row.amount)]
        assert tx["details"] == {"order_id": row.order_id, "tranche": row.tranche,
                                      "due_on": row.due_on.isoformat(), "gross": row.amount,
                                      "offset": 0}


def test_the_documented_example_of_two_half_tranches() -> None:
    halves = (Tranche(Fraction(1, 2), 30), Tranche(Fraction(1, 2), 210))
    assert split_tranches(1_234_567_900, halves) == [617_283_950, 617_283_950]
    thirds = (Tranche(Fraction(333, 1000), 0), Tranche(Fraction(333, 1000), 0),
              Tranche(Fraction(334, 1000), 0))
    assert split_tranches(1001, thirds) == [333, 333, 335]  # floor, floor, the rest
    assert split_tranches(0, thirds) == [0, 0, 0]


def test_papc_2021_orders_half_now_and_half_seven_months_later() -> None:
    feed = Feed()
    grants = _approved(feed)
    for code, grant in grants.items():
        first, second = orders(feed, 2021, code)
        assert (first.tranche, first.amount, first.due_on) == (
            "T1", grant // 2, date(2022, 7, 30))
        assert (second.tranche, second.amount, second.due_on) == (
            "T2", grant - grant // 2, date(2023, 1, 26))


def test_each_order_is_published_with_gross_offset_and_net() -> None:
    feed = Feed()
    _approved(feed)
    events = order_events(feed)
    rows = {o.order_id: o for o in orders(feed)}
    assert [e["order_id"] for e in events] == sorted(rows)
    for event in events:
        row = rows[event["order_id"]]
        assert event == {
            "event_id": event["event_id"], "event_type": "PaymentOrderIssued",
            "schema_version": 1, "occurred_at": event["occurred_at"], "source": "pac-grants",
            "order_id": row.order_id, "cycle": 2021, "commune_code": row.commune_code,
            "tranche": row.tranche, "amount_mad": money.text(row.amount),
            "gross_mad": money.text(row.amount), "offset_mad": "0.00",
            "due_on": row.due_on.isoformat(), "_key": row.commune_code}
    assert len({e["event_id"] for e in events}) == len(events)
    again = Feed()
    _approved(again)  # a re-run publishes the same ids (consumers deduplicate by them)
    assert [e["event_id"] for e in order_events(again)] == [e["event_id"] for e in events]


def test_an_approval_redelivered_or_repeated_orders_nothing_more() -> None:
    feed = Feed()
    program(feed)
    approval = closed()
    feed.send("cycles", approval)
    before = (orders(feed), len(order_events(feed)))
    feed.send("cycles", approval)  # the same event again: a redelivery
    feed.send("cycles", closed(on="2022-07-01"))  # a second approval without reopening
    assert feed.rejected == ["cycle_not_open"]
    assert (orders(feed), len(order_events(feed))) == before


def test_without_a_payment_key_one_tranche_due_thirty_days_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    plain = variant(2021, "test-2021")
    assert plain.payment == Payment()
    assert plain.payment.tranches == (Tranche(Fraction(1), 30),)
    assert (plain.payment.unallocated, plain.payment.recovery) == ("return", "refund_only")
    ship(monkeypatch, plain)
    feed = Feed()
    program(feed, ruleset_id="test-2021")
    feed.send("cycles", closed())
    grants = {code: g for (_c, code), g in Books.of(feed).allocated().items()}
    assert [(o.order_id, o.amount, o.due_on) for o in orders(feed)] == [
        (f"2021-{code}-T1", grants[code], date(2022, 7, 30)) for code in sorted(grants)]


BAD_PAYMENTS = [
    ({"tranches": [{"share": "0.5", "due_days": 30}, {"share": "0.4", "due_days": 60}]},
     "payment.tranches: the shares sum to 0.9, not exactly 1"),
    ({"tranches": [{"share": "0.6", "due_days": 30}, {"share": "0.6", "due_days": 60}]},
     "payment.tranches: the shares sum to 1.2, not exactly 1"),
    ({"tranches": [{"share": "0", "due_days": 30}, {"share": "1", "due_days": 60}]},
     "payment.tranches.0.share: must be > 0, not 0"),
    ({"tranches": [{"share": "1.5", "due_days": 30}, {"share": "-0.5", "due_days": 60}]},
     "payment.tranches.1.share: must be > 0, not -1/2"),
    ({"tranches": [{"share": "0.5", "due_days": 30}, {"share": "0.5", "due_days": -1}]},
     "payment.tranches.1.due_days: must be >= 0, not -1"),
    ({"tranches": []}, "payment.tranches: must be a non-empty list of {share, due_days}"),
    ({"tranches": [{"share": "1"}]}, "payment.tranches.0: missing key(s): due_days"),
    ({"unallocated": "keep"}, "payment.unallocated: must be 'return' or 'carry_over'"),
    ({"recovery": "forgive"}, "payment.recovery: must be 'refund_only' or "
                              "'offset_next_cycle'"),
]


@pytest.mark.parametrize(("payment", "message"), BAD_PAYMENTS)
def test_a_bad_payment_key_is_refused_with_where_and_why(payment: dict[str, Any],
                                                         message: str) -> None:
    with pytest.raises(RulesetError) as caught:
        variant(2021, "test-2021", payment=payment)
    text = str(caught.value)
    assert text.startswith("test ruleset test-2021: ") and message in text
    assert "\n" not in text


def test_the_command_line_refuses_such_a_ruleset_in_one_line(tmp_path: Path) -> None:
    data = json.loads(packaged_ruleset_by_id("papc-2021").document)
    data["payment"] = BAD_PAYMENTS[0][0]
    ruleset = tmp_path / "bad.yaml"
    ruleset.write_text(json.dumps(data), encoding="utf-8")
    assessments = tmp_path / "none.jsonl"
    assessments.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["allocate", "--cycle", "2021", "--assessments",
                                       str(assessments), "--ruleset", str(ruleset),
                                       "--pool", "standard=1000"])
    lines = result.stderr.strip().splitlines()
    assert (result.exit_code, len(lines)) == (2, 1), result.output
    assert "payment.tranches: the shares sum to 0.9, not exactly 1" in lines[0]
    assert "Traceback" not in result.output
