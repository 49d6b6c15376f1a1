"""The worker's kept books equal a full recomputation, whichever worker wrote what.

Two batch handlers (two workers: each its own registry of communes and its own books)
share one ledger. A drawn sequence of batches, each handled by either, registers and
changes communes (populations moving them between the two windows of papc-2024,
participation), sends assessments (revisions, stale ones, conditions failed, indicators
of the other window, before or after the commune and the cycle are known: held,
released, refused) and changes pools. After every batch, each worker's book of the
cycle, brought up to date from the database, must give exactly what
``readside.cycle_result`` (``compute_cycle`` over the stored inputs) gives: the
``CycleResult`` field by field, the published record, the inputs digest. At the end
the cycle is approved by either worker: the ledger's allocation is the reference's, to
the centime. Then the worker's own path (notification, approval) is compared too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.codes import ResultStatus
from models.lean_results import published_json as book_json
from models.results import published_json
from pac_grants import readside
from pac_grants.ledger import Ledger
from pac_grants.rules.book_result import cycle_result
from pac_grants.rules.engine import CycleResult
from pac_grants.scenario import generate_program
from pac_grants.scenario.encoding import dumps, loads
from streams.handlers import BatchHandler
from streams.messages import Message

PREFIX = "pac."
CYCLE = 2024


def _material() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, Any]]:
    """Communes (12, both windows), one valid 2024 assessment for each, the opening."""
    program = generate_program(seed=7, scale=1, revisions=0)
    messages = [m for phase in program.phases for m in phase.messages
                if not m.expect_rejection]
    assessments: dict[str, dict[str, Any]] = {}
    for m in messages:
        if m.topic == "assessments":
            data = loads(m.value)
            if data["cycle"] == CYCLE:
                assessments.setdefault(data["commune_code"], data)
    communes: dict[str, dict[str, Any]] = {}
    for m in messages:
        if m.topic == "communes":
            data = loads(m.value)
            if data["code"] in assessments:
                communes[data["code"]] = data
    big = [c for c in communes if communes[c]["population"]["2024"] > 500_000][:3]
    small = [c for c in communes if c not in big][:9]
    opened = next(loads(m.value) for m in messages if m.topic == "cycles"
                  and loads(m.value)["event_type"] == "CycleOpened"
                  and loads(m.value)["cycle"] == CYCLE)
    keep = big + small
    return ({c: communes[c] for c in keep}, {c: assessments[c] for c in keep}, opened)


COMMUNES, ASSESSMENTS, OPENED = _material()
CODES = sorted(COMMUNES)


def fresh(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return data | fields | {"event_id": str(uuid.uuid4())}


def cycle_event(event_type: str, **fields: Any) -> dict[str, Any]:
    envelope = {k: OPENED[k] for k in ("schema_version", "occurred_at", "source")}
    return fresh(envelope, event_type=event_type, cycle=CYCLE, **fields)


@st.composite
def batches(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    kind = draw(st.sampled_from(["communes", "assessments", "assessments", "assessments",
                                 "pool"]))
    if kind == "pool":
        window = draw(st.sampled_from(["standard", "grandes_communes"]))
        pool = draw(st.sampled_from([0, 7, 1_000_000, 1_300_000_000]))
        return "cycles", [cycle_event("PoolAdjusted", window=window, pool_mad=pool)]
    events = []
    for _ in range(draw(st.integers(1, 3))):
        code = draw(st.sampled_from(CODES))
        if kind == "communes":
            population = draw(st.sampled_from([None, 450_000, 600_000]))
            base = COMMUNES[code]
            events.append(fresh(base, participating=draw(st.integers(0, 4)) > 0,
                                population=base["population"] if population is None else
                                {"2014": population, "2024": population}))
        else:
            source = ASSESSMENTS[draw(st.sampled_from([code] * 4 + CODES))]  # other window
            conditions = dict(source["conditions"])
            if draw(st.integers(0, 3)) == 0:
                conditions["MMC1"] = False
            events.append(fresh(source, commune_code=code, revision=draw(st.integers(1, 4)),
                                assessment_id=f"APA-2024-{code}", conditions=conditions))
    return kind, events


@functools.cache
def migrated() -> Path:
    """An empty migrated ledger, copied for each example (migrating takes longer)."""
    path = Path(tempfile.mkdtemp(prefix="pac-books-")) / "template.db"
    template = Ledger.from_url(f"sqlite:///{path}")
    template.upgrade()
    template.dispose()
    return path


class Workers:
    def __init__(self) -> None:
        copy = migrated().with_name(f"{uuid.uuid4().hex}.db")
        shutil.copyfile(migrated(), copy)
        self.ledger = Ledger.from_url(f"sqlite:///{copy}")
        self.handlers = [BatchHandler(self.ledger, PREFIX), BatchHandler(self.ledger, PREFIX)]
        self.offsets = {"communes": 0, "assessments": 0, "cycles": 0}

    @classmethod
    @contextlib.contextmanager
    def running(cls) -> Iterator[Workers]:
        workers = cls()
        try:
            yield workers
        finally:
            workers.ledger.dispose()
            Path(str(workers.ledger.engine.url.database)).unlink(missing_ok=True)

    def send(self, worker: int, topic: str, events: list[dict[str, Any]]) -> None:
        messages = []
        for data in events:
            messages.append(Message(f"{PREFIX}{topic}.v1", 0, self.offsets[topic], None,
                                    dumps(data).encode("utf-8")))
            self.offsets[topic] += 1
        self.handlers[worker].handle(messages)

    def check(self) -> CycleResult | None:
        """Each worker's book equals the reference; the reference (None: not open)."""
        with self.ledger.reader() as reader:
            row = reader.state.cycle(CYCLE)
            if row is None or row.approved:
                return None
            expected = readside.cycle_result(reader, CYCLE)
            for handler in self.handlers:
                communes = handler.registry.current(reader.state).parsed
                with handler.shelf.book(reader.state, row, communes) as book:
                    assert comparable(cycle_result(book)) == comparable(expected)
                    assert book_json(book, ResultStatus.PROVISIONAL) == published_json(
                        expected, ResultStatus.PROVISIONAL)
            return expected


def comparable(result: CycleResult) -> CycleResult:
    """Errors compare by their content (exceptions compare by identity)."""
    invalid = tuple((a, (e.code, e.message, e.field, e.value)) for a, e in result.invalid)
    return dataclasses.replace(result, invalid=invalid)  # type: ignore[arg-type]


def closing(**fields: Any) -> dict[str, Any]:
    return cycle_event("CycleClosed", closed_on="2025-06-30", decision_ref="D-1",
                       approved_by="Ministre", **fields)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), steps=st.integers(1, 14), opened_at=st.integers(0, 4))
def test_every_worker_s_book_is_the_full_recomputation(data: st.DataObject, steps: int,
                                                      opened_at: int) -> None:
    with Workers.running() as workers:
        run_steps(workers, data, steps, opened_at)


def run_steps(workers: Workers, data: st.DataObject, steps: int, opened_at: int) -> None:
    expected = None
    for step in range(steps):
        if step == opened_at:
            workers.send(data.draw(st.integers(0, 1)), "cycles", [fresh(OPENED)])
        topic, events = data.draw(batches())
        workers.send(data.draw(st.integers(0, 1)), topic, events)
        expected = workers.check()
    if expected is None:
        return
    workers.send(data.draw(st.integers(0, 1)), "cycles", [closing()])
    amounts = {(w.window.id, c.code): c.amount * 100 for w in expected.windows
               for c in w.communes if c.amount}
    assert {k: v for k, v in workers.ledger.allocated(CYCLE).items() if v} == amounts


@pytest.mark.parametrize("worker", [0, 1])
def test_notified_and_final_results_are_the_reference_s(worker: int) -> None:
    with Workers.running() as workers:
        notify_and_close(workers, worker)


def notify_and_close(workers: Workers, worker: int) -> None:
    workers.send(0, "cycles", [fresh(OPENED)])
    workers.send(1, "communes", [fresh(COMMUNES[c]) for c in CODES])
    workers.send(0, "assessments", [fresh(ASSESSMENTS[c]) for c in CODES[:8]])
    workers.send(1, "assessments", [fresh(ASSESSMENTS[c], revision=2, conditions=dict(
        ASSESSMENTS[c]["conditions"], MMC2=False)) for c in CODES[:2]])
    expected = workers.check()
    assert expected is not None
    notified = cycle_event("ResultsNotified", notified_on="2025-04-15",
                           complaint_deadline="2025-05-15")
    workers.send(worker, "cycles", [notified])
    workers.send(1 - worker, "cycles", [closing(inputs_digest=expected.inputs_digest)])
    with workers.ledger.unit_of_work(chain=False) as uow:
        records = [loads(value) for _id, topic, _key, value in uow.outbox.pending(10_000)
                   if topic == f"{PREFIX}allocations.v1"]
    by_status = {(r["status"], r["window"]): r for r in records}
    for status in ("notified", "final"):
        for window in expected.windows:
            whole = published_json(expected, status)
            [window_json] = [w for w in whole["windows"] if w["window"] == window.window.id]
            assert by_status[(status, window.window.id)] == loads(dumps(
                whole | {"window": window.window.id, "windows": [window_json]}))
    amounts = {(w.window.id, c.code): c.amount * 100 for w in expected.windows
               for c in w.communes if c.amount}
    assert {k: v for k, v in workers.ledger.allocated(CYCLE).items() if v} == amounts
