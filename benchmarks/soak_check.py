"""The end of a soak: approve every cycle, then compare the ledger with the reference.

The checks of tests/integration/fault_runs.py ``check``, each failure reported as one
line instead of an assertion, plus one of the pipeline's state: every balance equals
the independent reference (``check_ledger``: pools, allocations of the approved cycles,
to the centime), no dead letter (every soak event is valid), exactly one envelope per
window and one allocation per approved window, every assessment revision sent stored
once and counted, ``Ledger.verify`` and ``pac-grants ledger verify`` ok.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from benchmarks.pipeline import PipelineRun, topic
from benchmarks.soak_load import EventSource
from pac_grants.ledger import Ledger
from pac_grants.scenario.messages import Draft
from tests.integration.fault_runs import expected_kinds, transaction_kinds
from tests.integration.pipeline_support import Reference, cli
from tests.integration.test_pipeline_e2e import check_ledger


def close_cycles(run: PipelineRun, source: EventSource, cycles: tuple[int, ...],
                 published: Counter[str]) -> None:
    """``CycleClosed`` for each cycle in order, each sent once the previous one is
    processed: cycle N+1 cannot be approved before N when N carries money over."""
    name = topic(run.env, "cycles")
    for cycle in cycles:
        draft = Draft("cycles", str(cycle), "CycleClosed", source.stamper.event_id(),
                      {"cycle": cycle})
        message = draft.encode(source.stamper)
        source.reference.apply(message)
        published.update(run.publish([message]))
        run.offsets.wait(name, published[name], run.worker, timeout=600)


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
    expected = expected_kinds(reference, 0)
    found = {kind: kinds.get(kind, 0) for kind in expected}
    if found != expected:
        problems.append(f"transactions {found}, expected {expected}")
    stored = stored_revisions(engine)
    if stored != {"counted": revisions}:
        problems.append(f"assessment revisions stored {stored}, expected {revisions} counted")
    verify = cli(env, "ledger", "verify")
    if verify.returncode != 0 or not verify.stdout.startswith("ok:"):
        problems.append(f"pac-grants ledger verify: {verify.stdout.strip()} "
                        f"{verify.stderr.strip()[-300:]}")
    return problems, {"transactions": report.transactions, "kinds": kinds,
                      "revisions_stored": stored, "verify": verify.stdout.strip()}
