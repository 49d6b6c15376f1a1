"""The sample program through the pipeline's own batch handler, phase by phase.

Each phase is one batch on an in-memory SQLite ledger (streams_harness.Feed), as the
worker would get it from the broker after the previous phase was processed. Every phase
must give exactly the dead letters the generator expects; at the end the ledger holds
``Program.final_result`` for every cycle (its last approval's frozen data), posted on
the business dates, and verifies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models.ledger import TRANSACTIONS
from pac_grants import readside
from pac_grants.scenario import Program, generate_program
from tests.unit.streams_harness import Feed


@pytest.fixture(scope="module")
def fed() -> Iterator[tuple[Program, Feed, dict[str, Counter[str]]]]:
    program, feed = generate_program(seed=20190), Feed()
    letters = {}
    for phase in program.phases:
        outcome = feed.batch([feed.message(m.topic, m.value, m.key.decode() if m.key else None)
                              for m in phase.messages])
        letters[phase.name] = Counter(str(code) for _topic, code in outcome.rejected)
    yield program, feed, letters
    feed.ledger.dispose()


def test_each_phase_gives_exactly_the_expected_dead_letters(
        fed: tuple[Program, Feed, dict[str, Counter[str]]]) -> None:
    program, _feed, letters = fed
    for phase in program.phases:
        expected = Counter(m.expect_rejection for m in phase.messages if m.expect_rejection)
        assert letters[phase.name] == expected, phase.name


def test_the_ledger_holds_the_final_result_of_every_cycle(
        fed: tuple[Program, Feed, dict[str, Counter[str]]]) -> None:
    program, feed, _letters = fed
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


def test_states_approval_dates_and_effective_dates(
        fed: tuple[Program, Feed, dict[str, Counter[str]]]) -> None:
    program, feed, _letters = fed
    summary = {s.cycle: s for s in feed.ledger.summary()}
    for cycle in program.cycles:
        assert (summary[cycle].state, summary[cycle].closed_on) == (
            "approved", program.approvals[cycle][-1])
    with feed.ledger.engine.connect() as conn:
        t = TRANSACTIONS.c
        rows = conn.execute(select(t.kind, t.cycle, t.effective_date, func.count())
                            .where(t.kind.in_(["allocation", "adjustment", "envelope"]))
                            .group_by(t.kind, t.cycle, t.effective_date)).all()
    posted = {(str(kind), cycle, on): n for kind, cycle, on, n in rows}
    assert posted[("adjustment", 2021, date(2022, 9, 30))] == 1
    assert posted[("allocation", 2024, date(2025, 6, 30))] == 2
    assert posted[("envelope", 2022, date(2023, 3, 16))] == 1  # the pool change
    assert {k: n for k, n in posted.items() if k[0] == "allocation"} == {
        ("allocation", c, date(c + 1, 6, 30)): 2 if c == 2024 else 1 for c in program.cycles}


def test_balances_as_of_a_date_show_what_was_approved_and_paid_then(
        fed: tuple[Program, Feed, dict[str, Counter[str]]]) -> None:
    """2021 as of its first approval, then after its second: the late appellant's grant
    appears only with the re-approval; nothing is paid before an approval."""
    program, feed, _letters = fed
    first, second = program.approvals[2021]
    before = {b.code: b for b in feed.ledger.balances(2021, as_of=first - timedelta(days=1))}
    assert all(b.allocated == 0 and b.paid == 0 for b in before.values())
    at_first = {b.code: b.allocated for b in feed.ledger.balances(2021, as_of=first)}
    at_second = {b.code: b.allocated for b in feed.ledger.balances(2021, as_of=second)}
    assert at_first != at_second and sum(at_first.values()) == sum(at_second.values())
    final = {c.code: c.amount * 100 for w in program.final_result(2021).windows
             for c in w.communes}
    assert {k: v for k, v in at_second.items() if v} == {k: v for k, v in final.items() if v}
    paid = {b.code: b.paid for b in feed.ledger.balances(2021, as_of=second)}
    assert not any(paid.values())
