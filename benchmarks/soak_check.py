"""The end of a soak: notify and approve every cycle, then compare the ledger with the
reference.

The approvals are the sample program's (pac_grants.scenario.program): every cycle but
the one it approves without notice notified on April 15 of its grant year, with its
30-day complaint window; each approved on June 30, after that window, in cycle order,
each sent once the previous one is processed (2023 cannot be approved before 2022, which
carries its unallocated money over to it: ``previous_cycle_open``), naming the
reference's ``inputs_digest`` (an approval of other inputs is refused,
``inputs_changed``).

The checks of tests/integration/fault_runs.py ``check``, each failure reported as one
line instead of an assertion, plus one of the pipeline's state: every balance, order and
transaction equals the independent reference (``check_ledger``: allocations of the
approved cycles, the treasury's replay, to the centime), no dead letter (every soak
event is valid), exactly the transactions of each kind the replay posted, every
assessment revision sent stored once and counted, ``Ledger.verify`` and ``pac-grants
ledger verify`` ok.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from benchmarks.pipeline import PipelineRun, topic
from benchmarks.soak_load import EventSource
from pac_grants.ledger import Ledger
from pac_grants.scenario import Message, calendar
from pac_grants.scenario.messages import Draft
from pac_grants.scenario.program import UNNOTIFIED_CYCLE
from tests.integration.fault_runs import expected_kinds, transaction_kinds
from tests.integration.pipeline_support import Reference, cli
from tests.integration.test_pipeline_e2e import check_ledger


def _cycle_event(source: EventSource, cycle: int, event_type: str,
                 body: dict[str, Any]) -> Message:
    """A cycles event dated on its own decision date, applied to the reference."""
    on = calendar.notified_on(cycle) if event_type == "ResultsNotified" \
        else calendar.approved_on(cycle)
    draft = Draft("cycles", str(cycle), event_type, source.stamper.event_id(),
                  {"cycle": cycle, **body}, on)
    message = draft.encode(source.stamper)
    source.reference.apply(message)
    return message


def notices(source: EventSource, cycles: tuple[int, ...]) -> list[Message]:
    """``ResultsNotified`` of every cycle the program notifies."""
    return [_cycle_event(source, cycle, "ResultsNotified", {
        "notified_on": calendar.notified_on(cycle).isoformat(),
        "complaint_deadline": calendar.complaint_deadline(cycle).isoformat()})
        for cycle in cycles if cycle != UNNOTIFIED_CYCLE]


def approval(source: EventSource, cycle: int) -> Message:
    """``CycleClosed`` on June 30 of the grant year, of the reference's current inputs
    (computed after the approvals before it: 2022's carry-over changes 2023's pools)."""
    reference = source.reference
    digest = reference.compute(cycle, list(reference.communes.values())).inputs_digest
    return _cycle_event(source, cycle, "CycleClosed", {
        "closed_on": calendar.approved_on(cycle).isoformat(),
        "decision_ref": calendar.decision_ref(cycle), "approved_by": calendar.APPROVER,
        "inputs_digest": digest})


def close_cycles(run: PipelineRun, source: EventSource, cycles: tuple[int, ...],
                 published: Counter[str]) -> None:
    """The notifications, processed; then each approval in cycle order, processed
    before the next one is sent."""
    name = topic(run.env, "cycles")

    def send(messages: list[Message]) -> None:
        published.update(run.publish(messages))
        run.offsets.wait(name, published[name], run.worker, timeout=600)

    send(notices(source, cycles))
    for cycle in sorted(cycles):
        send([approval(source, cycle)])


def stored_revisions(engine: sa.Engine) -> dict[str, int]:
    """Rows of ``pipeline_assessments`` per status."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT status, count(*) FROM pipeline_assessments GROUP BY status"))
        return {str(status): int(n) for status, n in rows}


def ledger_problems(env: dict[str, str], reference: Reference, revisions: int,
                    engine: sa.Engine) -> tuple[list[str], dict[str, Any]]:
    """(one line per failed check, figures); ``revisions``: distinct revisions sent."""
    url, problems = env["PAC_DATABASE_URL"], []
    ledger = Ledger.from_url(url)
    try:
        letters = Counter(d.code for d in ledger.dead_letters(limit=100_000))
        if letters:
            problems.append(f"dead letters {dict(letters)}: none expected")
        try:
            check_ledger(ledger, reference)
        except AssertionError as exc:
            problems.append(f"the ledger differs from the reference at {exc}")
        report = ledger.verify()
        if not report.ok:
            problems.append(f"Ledger.verify: {report.line()}")
    finally:
        ledger.dispose()
    kinds = transaction_kinds(url)
    expected = expected_kinds(reference)
    if kinds != expected:
        problems.append(f"transactions {kinds}, expected {expected}")
    stored = stored_revisions(engine)
    if stored != {"counted": revisions}:
        problems.append(f"assessment revisions stored {stored}, expected {revisions} counted")
    verify = cli(env, "ledger", "verify")
    if verify.returncode != 0 or not verify.stdout.startswith("ok:"):
        problems.append(f"pac-grants ledger verify: {verify.stdout.strip()} "
                        f"{verify.stderr.strip()[-300:]}")
    return problems, {"transactions": report.transactions, "kinds": kinds,
                      "revisions_stored": stored, "verify": verify.stdout.strip()}
