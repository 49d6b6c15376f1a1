"""What a cycle's life means on a ledger the pipeline filled (issue 10), phase by phase.

The independent reference (pipeline_support) says what every balance must be; these
checks say it in the lifecycle's own terms, against the ledger alone: after approval
nothing approved moves (neither a revision nor a pool change nor a correction of
reference data: approved cycles keep the commune data they were approved with); the
reopened cycle's second approval posts exactly the differences between its two
approvals, effective on its ``closed_on``; every cycle ends approved on the program's
dates, by a recorded decision.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models.ledger import POSTINGS, TRANSACTIONS
from pac_grants import readside
from pac_grants.ledger import Ledger
from pac_grants.scenario import Program
from pac_grants.scenario.appeals import REOPENED_CYCLE

Amounts = dict[tuple[str | None, str], int]


class Snapshots(dict[str, dict[int, Amounts]]):
    """Allocated amounts of every cycle after each phase, by phase name."""


def allocated(ledger: Ledger, cycle: int) -> Amounts:
    return {k: v for k, v in ledger.allocated(cycle).items() if v}


def check_phase(ledger: Ledger, program: Program, name: str, snapshots: Snapshots) -> None:
    snapshots[name] = {c: allocated(ledger, c) for c in program.cycles}
    if name == "after-approval":
        assert snapshots[name] == snapshots["payments"], "an approved cycle moved"
        frozen_data_kept(ledger, program)
    if name == "re-close" and len(program.approvals.get(REOPENED_CYCLE, [])) == 2:
        exactly_the_differences(ledger, program, snapshots)
    if name == program.phases[-1].name:
        approved_by_decision(ledger, program)


def frozen_data_kept(ledger: Ledger, program: Program) -> None:
    """The correction is the current data, and no approved cycle's."""
    original = {r["code"]: r["population"]["2014"] for r in program.communes}
    current = {r["code"]: r["population"]["2014"] for r in program.final_communes}
    [code] = [c for c in current if current[c] != original[c]]
    approved = [s.cycle for s in ledger.summary() if s.state == "approved"]
    assert approved, "no cycle approved before the correction"
    with ledger.reader() as reader:
        assert readside.commune(reader.state.communes()[code]).population[2014] == current[code]
        for cycle in approved:
            inputs = readside.cycle_inputs(reader, cycle)
            assert {c.code: c.population[2014] for c in inputs.communes}[code] == \
                original[code], cycle


def exactly_the_differences(ledger: Ledger, program: Program, snapshots: Snapshots) -> None:
    """The re-approval's adjustment postings are the second approval's amounts minus the
    first's, commune by commune; no other cycle moved."""
    before, after = snapshots["late-appeal"], snapshots["re-close"]
    assert before == snapshots["after-approval"], "nothing moves while a cycle is reopened"
    for cycle in program.cycles:
        if cycle != REOPENED_CYCLE:
            assert after[cycle] == before[cycle], cycle
    old, new = before[REOPENED_CYCLE], after[REOPENED_CYCLE]
    differences = {key[1]: new.get(key, 0) - old.get(key, 0) for key in set(old) | set(new)
                   if new.get(key, 0) != old.get(key, 0)}
    assert differences, "the late appeal and the correction changed nothing"
    posted, dates = adjustment_postings(ledger, REOPENED_CYCLE)
    assert posted == differences
    assert dates == {program.approvals[REOPENED_CYCLE][-1]}


def adjustment_postings(ledger: Ledger, cycle: int) -> tuple[dict[str, int], set[date]]:
    """(commune -> amount adjustments posted to its payable and receivable accounts, their
    effective dates): a decrease takes what is not ordered and leaves the rest owed, an
    increase first clears what is owed (docs/ledger.md s3)."""
    t, p = TRANSACTIONS.c, POSTINGS.c
    query = (select(p.account, p.amount, t.effective_date)
             .join(TRANSACTIONS, t.id == p.transaction_id)
             .where(t.kind == "adjustment", t.cycle == cycle))
    with ledger.engine.connect() as conn:
        rows = conn.execute(query).all()
    posted: dict[str, int] = {}
    for account, amount, _on in rows:
        if str(account).startswith(("payable:", "receivable:")):
            code = str(account).rsplit(":", 1)[1]
            posted[code] = posted.get(code, 0) + int(amount)
    return posted, {on for _account, _amount, on in rows}


def approved_by_decision(ledger: Ledger, program: Program) -> None:
    for summary in ledger.summary():
        assert summary.state == "approved", summary
        assert summary.closed_on == program.approvals[summary.cycle][-1], summary
        assert (summary.decision_ref or "").startswith("Arrêté conjoint n° "), summary
