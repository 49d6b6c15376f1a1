"""Worker peak RSS with many communes of state (docs/operations.md s5: 150,300).

A worker on a fresh database receives N ``CommuneRegistered`` and N assessments of
cycle 2021 before the cycle opens (held: no recomputation per batch), then the
``CycleOpened``: every assessment is released and, in the provisional round that
follows, the cycle's book built and its result stored once. The peak resident sets
(``VmHWM``) of the worker process and of its provisional results' child are read then,
and added.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.allocation import CYCLE
from benchmarks.pipeline import PipelineRun, topic
from pac_grants.scenario import Message, Program
from pac_grants.scenario.encoding import dumps, loads


def _copies(messages: list[Message], size: int, field: str) -> list[Message]:
    """``size`` messages tiled from ``messages``, codes made unique, ids fresh."""
    out = []
    for n in range(size):
        base = loads(messages[n % len(messages)].value)
        copy = n // len(messages)
        code = base[field] if not copy else f"{base[field]}.{copy}"[:32]
        event = base | {field: code, "event_id": str(uuid.uuid4())}
        out.append(Message(messages[0].topic, code.encode(), dumps(event).encode()))
    return out


def computed_once(run: PipelineRun, timeout: float = 900) -> None:
    """Until a result of the cycle is stored (the provisional round after the opening)."""
    engine = create_engine(run.env["PAC_DATABASE_URL"])
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run.worker.alive()
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM allocation_results WHERE "
                                     "cycle = :c"), {"c": CYCLE}).scalar_one():
                    return
            time.sleep(0.5)
        raise SystemExit(f"benchmarks: no result of cycle {CYCLE} after {timeout:.0f} s")
    finally:
        engine.dispose()


def peak_rss(env: dict[str, str], program: Program, size: int, log: Path) -> dict[str, Any]:
    phases = {p.name: p for p in program.phases}
    communes = _copies(list(phases["reference"].messages), size, "code")
    held = [m for m in phases["assessments"].messages if m.topic == "assessments"
            and loads(m.value)["cycle"] == CYCLE and m.expect_rejection is None]
    firsts = {loads(m.value)["commune_code"]: m for m in held}  # one per commune
    assessments = _copies(list(firsts.values()), size, "commune_code")
    opening = [m for m in phases["open"].messages if f'"cycle":{CYCLE}'.encode() in m.value]
    run = PipelineRun(env, program, log)
    try:
        started = time.monotonic()
        totals = run.publish(communes)
        totals |= run.publish(assessments)
        run.settle(totals)
        run.settle(run.publish(opening))
        while run.offsets.count(topic(env, "cycles")) < 1:
            time.sleep(0.1)
        computed_once(run)  # the provisional round has built the cycle's book
        return {"worker_peak_rss_mib": run.worker.peak_rss_mib(),
                "worker_peak_rss_by_process_mib": run.worker.peak_rss_by_process_mib(),
                "worker_rss_communes": float(size),
                "worker_rss_run_seconds": time.monotonic() - started}
    finally:
        run.stop()
