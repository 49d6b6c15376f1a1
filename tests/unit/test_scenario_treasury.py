"""The sample program's money (issue 11), as the independent replay sees it.

The whole program replayed by scenario_reference (every message must get the code the
generator expects) must show what the issue asks of it: tranches in some cycles,
payments that name their order and payments that do not, a partial payment, an overdue
order, co-financed pools, a carry-over from 2022 to 2023, and after 2021's reopening
communes paid more than their new grant: one refunds, one is offset by its 2024 grant,
one still owes at the end. test_scenario_pipeline then checks that the ledger equals
this replay to the centime.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from pac_grants.scenario import Program, generate_program
from tests.unit.scenario_reference import Reference

END = date(2026, 1, 15)  # the business date of the program's last phase


@pytest.fixture(scope="module")
def replayed() -> tuple[Program, Reference]:
    program, reference = generate_program(seed=20190), Reference()
    for phase in program.phases:
        for message in phase.messages:
            assert reference.outcome(message) == message.expect_rejection, phase.name
    return program, reference


def accepted(program: Program, name: str) -> list[dict[str, Any]]:
    [phase] = [p for p in program.phases if p.name == name]
    return [json.loads(m.value) for m in phase.messages if m.expect_rejection is None]


def test_orders_follow_each_ruleset_tranches_and_sum_to_the_grants(
        replayed: tuple[Program, Reference]) -> None:
    program, reference = replayed
    orders = reference.money.orders.values()
    tranches = {c: sorted({o.tranche for o in orders if o.cycle == c and o.approval == 1})
                for c in program.cycles}
    assert tranches == {2019: ["T1"], 2020: ["T1", "T2"], 2021: ["T1", "T2"],
                        2022: ["T1", "T2"], 2023: ["T1"], 2024: ["T1", "T2"]}
    for cycle in program.cycles:
        first = Counter[str]()
        for o in orders:
            if o.cycle == cycle and o.approval == 1:
                first[o.code] += o.gross
        grants = {c.code: c.amount * 100 for w in program.final_result(cycle).windows
                  for c in w.communes if c.amount}
        if cycle != 2021:  # 2021's grants changed at its re-approval
            assert dict(first) == grants, cycle
    due = {o.due_on - o.issued_on for o in orders if o.cycle == 2021 and o.approval == 1}
    assert due == {timedelta(days=30), timedelta(days=210)}


def test_payments_name_their_order_or_not_and_some_stay_partial_or_overdue(
        replayed: tuple[Program, Reference]) -> None:
    program, reference = replayed
    payments = accepted(program, "payments") + accepted(program, "disbursements")
    named = Counter("order_id" in p for p in payments)
    assert named[True] > 50 and named[False] > 50
    statuses = Counter(o.status(END) for o in reference.money.orders.values())
    assert statuses["overdue"] > 0 and statuses["paid"] > statuses["overdue"]
    partial = [o for o in reference.money.orders.values() if 0 < o.paid < o.amount - o.cancelled]
    assert partial and all(o.status(o.due_on) == "partly_paid" for o in partial)
    never = [o for o in reference.money.orders.values() if o.paid == 0 and o.due_on < END]
    assert never, "an order never paid whose due date has passed"


def test_the_re_approval_cancels_unpaid_orders_and_leaves_debts(
        replayed: tuple[Program, Reference]) -> None:
    """2021's second approval lowers the grants: unpaid second tranches are cancelled in
    part; three communes paid in full before the reopening owe the difference."""
    _program, reference = replayed
    money = reference.money
    cancelled = [o for o in money.orders.values() if o.cancelled]
    assert cancelled and {(o.cycle, o.tranche) for o in cancelled} == {(2021, "T2")}
    increases = [o for o in money.orders.values() if o.tranche == "A1"]
    assert [(o.cycle, o.issued_on) for o in increases] == [(2021, date(2022, 9, 30))]
    debts = {code for (cycle, code) in money.debt_since if cycle == 2021}
    assert len(debts) == 3


def test_one_debt_is_refunded_one_offset_in_2024_one_still_owed(
        replayed: tuple[Program, Reference]) -> None:
    program, reference = replayed
    money = reference.money
    [refund] = accepted(program, "recoveries")
    refunded = refund["commune_code"]
    assert money.balances[f"receivable:2021:{refunded}"] == 0
    [offset] = [p for p in money.posted if p.kind == "offset"]
    assert (offset.cycle, offset.on) == (2024, date(2025, 6, 30))
    debtor = next(a.split(":")[2] for a, x in offset.postings if a.startswith("receivable"))
    assert money.balances[f"receivable:2021:{debtor}"] == 0
    t1 = money.orders[f"2024-{debtor}-T1"]
    assert t1.offset == dict(offset.postings)[f"receivable:2021:{debtor}"] > 0
    assert t1.amount == t1.gross - t1.offset
    owed = {a: -x for a, x in money.balances.items() if a.startswith("receivable") and x}
    assert len(owed) == 1 and refunded not in next(iter(owed))


def test_co_financed_pools_and_the_carry_over_from_2022_to_2023(
        replayed: tuple[Program, Reference]) -> None:
    program, reference = replayed
    money = reference.money
    funders = {a for a in money.balances if a.startswith("funding:") and money.balances[a]}
    assert {a for a in funders if a.count(":") == 3} == {
        f"funding:{c}:standard:{f}" for c in (2022, 2023, 2024)
        for f in ("afd", "state", "world_bank")}
    assert money.balances["funding:2022:standard"] == 0  # the State's part moved to its own
    [carry] = [p for p in money.posted if p.kind == "carry_over"]
    carried = program.carried[2022]["standard"] * 100
    assert (carry.cycle, carry.on) == (2022, date(2023, 6, 30))
    assert dict(carry.postings) == {"pool:2022:standard": -carried,
                                    "pool:2023:standard": carried}
    assert program.pools[2023]["standard"] * 100 == 1_700_000_000 * 100 + carried
