"""The sample program through the pipeline's own batch handler, phase by phase.

Each phase is one batch on an in-memory SQLite ledger (streams_harness.Feed), as the
worker would get it from the broker after the previous phase was processed. Every phase
must give exactly the dead letters the generator expects; after every phase the ledger
equals the independent replay (scenario_reference, scenario_treasury) to the centime:
every account, every transaction, every payment order; the payment-order events queued
for ``pac.payment-orders.v1`` are the replay's. At the end the ledger holds
``Program.final_result`` for every cycle (its last approval's frozen data), posted on
the business dates, and verifies.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models.ledger import TRANSACTIONS
from pac_grants import readside
from pac_grants.scenario import Program, generate_program
from tests.unit.scenario_money import assert_ledger_is, expected_order_events, order_events
from tests.unit.scenario_reference import Reference
from tests.unit.streams_harness import Feed


@dataclass
class Fed:
    program: Program
    feed: Feed
    reference: Reference
    letters: dict[str, Counter[str]] = field(default_factory=dict)
    differences: dict[str, str] = field(default_factory=dict)  # phase -> first difference


@pytest.fixture(scope="module")
def fed() -> Iterator[Fed]:
    run = Fed(generate_program(seed=20190), Feed(), Reference())
    for phase in run.program.phases:
        outcome = run.feed.batch([run.feed.message(m.topic, m.value,
                                                   m.key.decode() if m.key else None)
                                  for m in phase.messages])
        run.letters[phase.name] = Counter(str(code) for _topic, code in outcome.rejected)
        for message in phase.messages:
            run.reference.outcome(message)
        try:
            assert_ledger_is(run.feed.ledger, run.reference.money)
        except AssertionError as exc:
            run.differences[phase.name] = str(exc)[:2000]
    yield run
    run.feed.ledger.dispose()


def test_each_phase_gives_exactly_the_expected_dead_letters(fed: Fed) -> None:
    for phase in fed.program.phases:
        expected = Counter(m.expect_rejection for m in phase.messages if m.expect_rejection)
        assert fed.letters[phase.name] == expected, phase.name


def test_after_each_phase_the_ledger_is_the_independent_replay(fed: Fed) -> None:
    """Accounts, transactions (with their effective dates) and orders, to the centime."""
    assert fed.differences == {}


def test_the_payment_order_events_are_the_replay_s(fed: Fed) -> None:
    """docs/events.md s8.3: one event per order issued or cancelled, keyed by commune."""
    records = [(key, value) for _id, topic, key, value in fed.feed.pending()
               if topic == "pac.payment-orders.v1"]
    events = order_events(value for _key, value in records)
    assert events == expected_order_events(fed.reference.money)
    kinds = Counter(json.loads(v)["event_type"] for _k, v in records)
    assert kinds["PaymentOrderIssued"] == len(fed.reference.money.orders)
    assert kinds["PaymentOrderCancelled"] > 0
    assert all(key == json.loads(value)["commune_code"].encode() for key, value in records)


def test_the_ledger_holds_the_final_result_of_every_cycle(fed: Fed) -> None:
    program, feed = fed.program, fed.feed
    for cycle in program.cycles:
        result = program.final_result(cycle)
        want = {(w.window.id, c.code): c.amount * 100 for w in result.windows
                for c in w.communes if c.amount}
        assert {k: v for k, v in feed.ledger.allocated(cycle).items() if v} == want, cycle
        with feed.ledger.reader() as reader:
            frozen = readside.cycle_inputs(reader, cycle)
        assert sorted((c.code, c.population[2014]) for c in frozen.communes) == sorted(
            (r["code"], r["population"]["2014"]) for r in program.frozen[cycle])
    assert feed.ledger.verify().ok


def test_states_approval_dates_and_effective_dates(fed: Fed) -> None:
    program, feed = fed.program, fed.feed
    summary = {s.cycle: s for s in feed.ledger.summary()}
    for cycle in program.cycles:
        assert (summary[cycle].state, summary[cycle].closed_on) == (
            "approved", program.approvals[cycle][-1])
    with feed.ledger.engine.connect() as conn:
        t = TRANSACTIONS.c
        rows = conn.execute(select(t.kind, t.cycle, t.effective_date, func.count())
                            .where(t.kind.in_(["allocation", "adjustment", "envelope",
                                               "carry_over"]))
                            .group_by(t.kind, t.cycle, t.effective_date)).all()
    posted = {(str(kind), cycle, on): n for kind, cycle, on, n in rows}
    changed = sum(1 for p in fed.reference.money.posted if p.kind == "adjustment")
    assert changed > 1 and posted[("adjustment", 2021, date(2022, 9, 30))] == changed
    assert posted[("allocation", 2024, date(2025, 6, 30))] == 2
    assert posted[("envelope", 2022, date(2023, 3, 16))] == 1  # the co-financing joins
    assert posted[("carry_over", 2022, date(2023, 6, 30))] == 1  # into 2023, already open
    assert {k: n for k, n in posted.items() if k[0] == "allocation"} == {
        ("allocation", c, date(c + 1, 6, 30)): 2 if c == 2024 else 1 for c in program.cycles}


def test_balances_as_of_a_date_show_what_was_approved_and_paid_then(fed: Fed) -> None:
    """2021 as of its first approval, then after its second: the late appellant's grant
    appears only with the re-approval; nothing is paid before an approval; what was paid
    in advance before the reopening is paid as of the second approval."""
    program, feed = fed.program, fed.feed
    first, second = program.approvals[2021]
    before = {b.code: b for b in feed.ledger.balances(2021, as_of=first - timedelta(days=1))}
    assert all(b.allocated == 0 and b.paid == 0 for b in before.values())
    at_first = {b.code: b.allocated for b in feed.ledger.balances(2021, as_of=first)}
    at_second = {b.code: b.allocated for b in feed.ledger.balances(2021, as_of=second)}
    assert at_first != at_second and sum(at_first.values()) == sum(at_second.values())
    final = {c.code: c.amount * 100 for w in program.final_result(2021).windows
             for c in w.communes}
    assert {k: v for k, v in at_second.items() if v} == {k: v for k, v in final.items() if v}
    advanced = [m for p in program.phases if p.name == "payments" for m in p.messages]
    paid = sum(b.paid for b in feed.ledger.balances(2021, as_of=second))
    assert paid == sum(int(json.loads(m.value)["amount_mad"].replace(".", ""))
                       for m in advanced) > 0
