"""A sample program run phase by phase against worker processes, with faults injected.

docs/operations.md s6: each fault test publishes a program of
``pac_grants.scenario`` phase by phase, lets a hook hurt the system while a phase is
being processed (SIGKILL the worker, restart the broker, stop the database), waits
until every message is processed, and ends with the same check: the ledger equals the
offline calculation (pipeline_support's independent reference through the engine), no
transaction missing or doubled, ``pac-grants ledger verify`` passes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from pac_grants.ledger import Ledger
from pac_grants.scenario import Message, Phase, Program
from pac_grants.scenario.encoding import loads
from tests.integration.fault_support import Record, publish
from tests.integration.pipeline_support import Reference, Worker, cli, processed

Hook = Callable[["Run"], None]


class Run:
    """Workers, what was sent, and the reference of what the ledger must hold."""

    def __init__(self, env: dict[str, str], program: Program, logs: Path,
                 workers: int = 1) -> None:
        self.env, self.program, self.logs = env, program, logs
        self.sent: Counter[str] = Counter()
        self.reference = Reference()
        self.workers = [self.start_worker() for _ in range(workers)]
        self.events: list[tuple[float, str]] = []  # (monotonic time, what happened)

    def start_worker(self) -> Worker:
        n = len(list(self.logs.glob("worker-*.log")))
        return Worker(self.env, self.logs / f"worker-{n}.log")

    def note(self, what: str) -> None:
        self.events.append((time.monotonic(), what))

    def done(self) -> dict[str, int]:
        try:
            return processed(self.env["PAC_DATABASE_URL"])
        except Exception:  # the database is down or not migrated yet
            return {}

    def finished(self) -> bool:
        done = self.done()
        return all(done.get(topic, 0) >= n for topic, n in self.sent.items())

    def phase(self, phase: Phase, records: Iterable[Record] | None = None,
              hook: Hook | None = None, timeout: float = 240) -> None:
        """Publish a phase (by default its messages once, in order), apply it to the
        reference, then wait until it is processed, calling ``hook`` meanwhile."""
        if records is None:
            records = [(m.topic, m.key, m.value) for m in phase.messages]
        publish(self.env, records, self.sent)
        for message in phase.messages:
            self.reference.apply(message)
        deadline = time.monotonic() + timeout
        while not self.finished():
            if hook is not None:
                hook(self)
            for worker in self.workers:
                assert worker.process.poll() is None, f"worker exited:\n{worker.tail()}"
            assert time.monotonic() < deadline, f"{phase.name}: {self.done()} < {self.sent}"
            time.sleep(0.2)

    def stop(self) -> list[int]:
        return [worker.stop() for worker in self.workers]


def transaction_kinds(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, count(*) FROM ledger_transactions "
                                     "GROUP BY kind"))
            return {str(kind): int(n) for kind, n in rows}
    finally:
        engine.dispose()


def expected_kinds(reference: Reference) -> dict[str, int]:
    """Every kind has an exact count (docs/ledger.md s3), the replay's: one envelope per
    window opened and per pool change, one allocation per window of an approved cycle
    (its first approval), one adjustment per commune whose grant a re-approval changed,
    one order per tranche issued, one cancellation per order a re-approval cut, one
    disbursement per payment_ref, one recovery per recovery_ref, one offset per debt a
    later grant settled, one carry-over per window carried. Batching changes none."""
    return dict(Counter(p.kind for p in reference.money.posted))


def assert_kinds(database_url: str, reference: Reference) -> dict[str, int]:
    """The ledger's transactions by kind are exactly :func:`expected_kinds`."""
    kinds = transaction_kinds(database_url)
    assert kinds == expected_kinds(reference), kinds
    return kinds


def check(run: Run, check_ledger: Callable[[Ledger, Reference], None],
          rejections: Counter[str] | None = None) -> dict[str, Any]:
    """The common end of every fault test; returns figures for docs/reliability.md."""
    url = run.env["PAC_DATABASE_URL"]
    ledger = Ledger.from_url(url)
    try:
        letters = Counter(d.code for d in ledger.dead_letters(limit=100_000))
        try:
            check_ledger(ledger, run.reference)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; dead letters: {dict(letters)}") from exc
        report = ledger.verify()
        assert report.ok, report.line()
        if rejections is not None:
            assert letters == rejections
    finally:
        ledger.dispose()
    kinds = assert_kinds(url, run.reference)
    verify = cli(run.env, "ledger", "verify")
    assert verify.returncode == 0 and verify.stdout.startswith("ok:"), verify.stdout
    return {"transactions": report.transactions, "kinds": kinds,
            "dead_letters": dict(letters)}


def expected_rejections(phases: Iterable[Phase]) -> Counter[str]:
    return Counter(m.expect_rejection for p in phases for m in p.messages
                   if m.expect_rejection)


def thinned(program: Program, every: int) -> list[Phase]:
    """The program's phases with one payment in ``every`` of phase ``disbursements``: the
    fault suite's time goes to faults, not to thousands of payments. Each payment stays
    within what its order (or the commune's open orders, oldest first) leaves unpaid,
    and leaving a payment out only leaves more unpaid, so a subset is a valid program,
    except for the communes of an over-payment (one centime more than what all their
    payments leave): theirs are all kept. Earlier phases (the payments before a
    reopening, which make the debts that are refunded and offset) are kept whole."""
    targets = {_payment_of(m) for p in program.phases for m in p.messages
               if m.expect_rejection in ("exceeds_outstanding", "exceeds_order")}

    def thin(phase: Phase) -> Phase:
        if phase.name != "disbursements":
            return phase
        kept = [m for n, m in enumerate(phase.messages)
                if n % every == 0 or m.expect_rejection or _payment_of(m) in targets]
        return Phase(phase.name, tuple(kept))

    return [thin(phase) for phase in program.phases]


def _payment_of(message: Message) -> tuple[int, str] | None:
    if message.topic != "disbursements":
        return None
    event = loads(message.value)
    return event.get("cycle"), event.get("commune_code")
