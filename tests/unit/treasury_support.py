"""What the treasury tests share: a small program fed through the batch handler, test
rulesets with another ``payment`` key or other windows, and reads of the outcome that do
not go through the code under test (the ledger's JSON export, the outbox, the orders).

The money's path (docs/ledger.md s4) is recomputed here from the exported postings
alone: per commune and cycle, allocated (its ``allocation`` and ``adjustment`` postings)
must equal payable + ordered + paid + receivable.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from models import decode as decoding
from pac_grants import money
from pac_grants.ledger import OrderRow
from pac_grants.rules.ruleset import (
    Ruleset,
    packaged_ruleset,
    packaged_ruleset_by_id,
    parse_ruleset,
)
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import Feed, commune, cycle_event, fresh

A, B, C = "09.001.01.01", "09.001.01.02", "09.001.01.03"
POPULATIONS = {A: 300_000, B: 200_000, C: 150_000}
ORDERS_TOPIC = "pac.payment-orders.v1"
COMMUNE_ACCOUNTS = ("payable", "ordered", "paid", "receivable")


# -- inputs -------------------------------------------------------------------------------
def program(feed: Feed, pool: int = 10_000_000, cycle: int = 2021,
            codes: tuple[str, ...] = (A, B, C), ruleset_id: str | None = None,
            opened_on: str | None = None) -> None:
    """The communes registered (again: the same content has no second effect), the
    cycle opened with ``pool`` and every commune assessed."""
    feed.send("communes", *(commune(code, POPULATIONS.get(code, 300_000)) for code in codes))
    feed.send("cycles", opened(cycle, {"standard": pool}, ruleset_id, opened_on))
    feed.send("assessments", *(assessed(code, cycle) for code in codes))


def opened(cycle: int, pools: dict[str, Any], ruleset_id: str | None = None,
           on: str | None = None) -> dict[str, Any]:
    event = fresh(ev.cycle_opened(cycle=cycle, ruleset_id=ruleset_id or f"papc-{cycle}",
                                  pools=pools))
    return event | ({"occurred_at": f"{on}T09:00:00Z"} if on else {})


def assessed(code: str, cycle: int = 2021, revision: int = 1, **kw: Any) -> dict[str, Any]:
    return fresh(ev.assessment(commune_code=code, cycle=cycle, revision=revision,
                               assessment_id=f"APA-{cycle}-{code}") | kw)


def ineligible(code: str, cycle: int = 2021, revision: int = 2) -> dict[str, Any]:
    """A revision failing a minimum condition: the commune's grant falls to 0."""
    return assessed(code, cycle, revision,
                    conditions={f"MMC{n}": n != 1 for n in range(1, 8)})


def closed(cycle: int = 2021, on: str = "2022-06-30") -> dict[str, Any]:
    return cycle_event("CycleClosed", cycle=cycle, closed_on=on)


def reopened(cycle: int = 2021, on: str = "2022-09-01") -> dict[str, Any]:
    return cycle_event("CycleReopened", cycle=cycle, reopened_on=on, decision_ref="D-7",
                       reason="late appeal upheld")


def pool_adjusted(pool: Any, cycle: int = 2021, window: str = "standard") -> dict[str, Any]:
    return cycle_event("PoolAdjusted", cycle=cycle, window=window, pool_mad=pool)


def paid(code: str, amount: str, ref: str, cycle: int = 2021, on: str = "2022-07-15",
         order_id: str | None = None) -> dict[str, Any]:
    event = fresh(ev.disbursement(commune_code=code, amount_mad=amount, payment_ref=ref,
                                  cycle=cycle, paid_on=on))
    return event | ({"order_id": order_id} if order_id else {})


def recovered(code: str, amount: str, ref: str, cycle: int = 2021,
              on: str = "2022-11-15") -> dict[str, Any]:
    return cycle_event("RecoveryReceived", recovery_ref=ref, cycle=cycle, commune_code=code,
                       amount_mad=amount, received_on=on)


def reapprove(feed: Feed, *changes: dict[str, Any], cycle: int = 2021,
              reopened_on: str = "2022-09-01", on: str = "2022-09-30") -> None:
    """CycleReopened, the changes (assessments or a pool), the next CycleClosed."""
    feed.send("cycles", reopened(cycle, reopened_on))
    for change in changes:
        topic = "assessments" if change["event_type"] == "AssessmentSubmitted" else "cycles"
        feed.send(topic, change)
    feed.send("cycles", closed(cycle, on))


def approved(pool: int = 10_000_000) -> Feed:
    """Cycle 2021 (papc-2021) for A, B and C, approved on 2022-06-30."""
    feed = Feed()
    program(feed, pool)
    feed.send("cycles", closed())
    assert feed.rejected == []
    return feed


def owing(pool_after: int = 5_000_000) -> tuple[Feed, int]:
    """A paid in full on 2021, then its grant lowered on 2022-09-30 by a smaller pool: it
    owes the difference (centimes)."""
    feed = approved()
    feed.send("disbursements", paid(A, money.text(grants(feed)[A]), "TGR-1"))
    reapprove(feed, pool_adjusted(pool_after))
    owed = -Books.of(feed).balance(f"receivable:2021:{A}")
    assert owed > 0 and owed == grants(approved())[A] - grants(feed)[A]
    return feed, owed


# -- test rulesets ------------------------------------------------------------------------
def variant(base: int, ruleset_id: str, *, cycle: int | None = None,
            payment: dict[str, Any] | None = None, extra_window: str | None = None) -> Ruleset:
    """A packaged ruleset with another id, cycle, ``payment`` key (None: none), and
    optionally a second window for communes above 500,000 inhabitants, scored like the
    first."""
    data = json.loads(packaged_ruleset_by_id(f"papc-{base}").document)
    data |= {"id": ruleset_id, "cycle": cycle or base}
    data.pop("payment", None)
    if payment is not None:
        data["payment"] = payment
    if extra_window:
        first = data["windows"][0] | {"membership": {"max_population": 500_000}}
        data["windows"] = [first, first | {"id": extra_window,
                                           "membership": {"min_population": 500_001}}]
    return parse_ruleset(json.dumps(data), f"test ruleset {ruleset_id}")


def ship(monkeypatch: pytest.MonkeyPatch, *variants: Ruleset) -> None:
    """The calculator ships ``variants`` (for their cycles) besides the packaged
    rulesets: the decoder and the cycle's opening find them; everything after reads the
    ruleset stored with the cycle."""
    by_id = {r.id: r for r in variants}
    by_cycle = {r.cycle: r for r in variants}

    def for_cycle(number: int) -> Ruleset | None:
        return by_cycle.get(number) or packaged_ruleset(number)

    def with_id(ruleset_id: str) -> Ruleset:
        return by_id.get(ruleset_id) or packaged_ruleset_by_id(ruleset_id)

    monkeypatch.setattr("streams.handlers.decode", partial(decoding.decode,
                                                           ruleset_for=for_cycle))
    monkeypatch.setattr("streams.effects.packaged_ruleset_by_id", with_id)


# -- reads --------------------------------------------------------------------------------
def orders(feed: Feed, cycle: int | None = None, code: str | None = None) -> list[OrderRow]:
    with feed.ledger.reader() as reader:
        return reader.state.orders(cycle, code)


def order(feed: Feed, order_id: str) -> OrderRow:
    with feed.ledger.reader() as reader:
        row = reader.state.order(order_id)
    assert row is not None, order_id
    return row


def order_events(feed: Feed, event_type: str | None = None) -> list[dict[str, Any]]:
    """The payment-order events queued in the outbox, in order, with their key."""
    events = []
    for _id, topic, key, value in feed.pending():
        if topic == ORDERS_TOPIC:
            event = json.loads(value) | {"_key": key.decode() if key else None}
            if event_type is None or event["event_type"] == event_type:
                events.append(event)
    return events


@dataclass
class Books:
    """The ledger as exported: every transaction with its postings (centimes)."""

    transactions: list[dict[str, Any]]

    @classmethod
    def of(cls, feed: Feed) -> Books:
        out = io.StringIO()
        feed.ledger.export(out, "json")
        transactions = json.loads(out.getvalue())["transactions"]
        for tx in transactions:
            for posting in tx["postings"]:
                posting["amount"] = money.parse(posting["amount"])
        return cls(transactions)

    def kind(self, kind: str) -> list[dict[str, Any]]:
        return [tx for tx in self.transactions if tx["kind"] == kind]

    def balances(self) -> Counter[str]:
        totals: Counter[str] = Counter()
        for tx in self.transactions:
            for posting in tx["postings"]:
                totals[posting["account"]] += posting["amount"]
        return totals

    def balance(self, account: str) -> int:
        return self.balances()[account]

    def allocated(self) -> Counter[tuple[int, str]]:
        """(cycle, commune) -> its grant: the allocation and adjustment postings on its
        accounts of that cycle."""
        grants: Counter[tuple[int, str]] = Counter()
        for tx in self.transactions:
            if tx["kind"] in ("allocation", "adjustment"):
                for posting in tx["postings"]:
                    kind, cycle, rest = posting["account"].split(":", 2)
                    if kind in COMMUNE_ACCOUNTS:
                        grants[(int(cycle), rest)] += posting["amount"]
        return grants

    def path_breaks(self) -> list[str]:
        """Every (cycle, commune) whose accounts do not add up to its grant, every
        receivable above 0 and every ordered balance below 0."""
        balances, grants = self.balances(), self.allocated()
        keys = set(grants) | {(int(a.split(":")[1]), a.split(":", 2)[2]) for a in balances
                              if a.split(":", 1)[0] in COMMUNE_ACCOUNTS}
        broken = []
        for cycle, code in sorted(keys):
            parts = {k: balances[f"{k}:{cycle}:{code}"] for k in COMMUNE_ACCOUNTS}
            if sum(parts.values()) != grants[(cycle, code)]:
                broken.append(f"{cycle} {code}: allocated {grants[(cycle, code)]} != {parts}")
            if parts["receivable"] > 0 or parts["ordered"] < 0:
                broken.append(f"{cycle} {code}: wrong sign {parts}")
        return broken


def assert_sound(feed: Feed) -> None:
    """``ledger verify`` is clean, the money's path adds up, no order is over-settled."""
    report = feed.ledger.verify()
    assert report.ok, report.line()
    assert Books.of(feed).path_breaks() == []
    for row in orders(feed):
        assert min(row.paid, row.cancelled) >= 0 and row.paid + row.cancelled <= row.amount
    assert_reads_agree(feed)


def assert_reads_agree(feed: Feed) -> None:
    """Each commune's statement ends, per cycle, on its line of ``ledger balances``
    (two reads of the same money: the running sums and the account balances)."""
    with feed.ledger.reader() as reader:
        for cycle in reader.postings.cycles():
            for line in reader.postings.balances(cycle):
                entries = [e for e in reader.postings.statement(line.code, cycle).entries
                           if e.cycle == cycle]
                last = entries[-1].balance
                assert (last.allocated, last.paid, last.outstanding, last.to_recover) == (
                    line.allocated, line.paid, line.outstanding, line.to_recover), (cycle, line)


def refusal(feed: Feed) -> tuple[str, str]:
    """The code and message of the latest dead letter."""
    latest = feed.ledger.dead_letters(limit=1)
    assert latest, "no dead letter"
    return latest[0].code, latest[0].message


def grants(feed: Feed, cycle: int = 2021) -> dict[str, int]:
    """commune -> its grant (centimes) in the cycle, from the exported ledger."""
    return {code: amount for (number, code), amount in Books.of(feed).allocated().items()
            if number == cycle and amount}
