"""Support of the real-broker pipeline tests: worker process, publishing, waiting, and an
independent reference of events.md's rules to compare the ledger with.

The reference does not use the pipeline's code: it replays the scenario's accepted
messages (those without an expected rejection) with the plain rules of events.md
(latest commune, pools, highest revision, closed cycles, payments) and gives the
amounts through the offline engine (``compute_cycle``), as ``pac-grants allocate`` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from pac_grants.broker.tansu import terminate
from pac_grants.rules.engine import compute_cycle
from pac_grants.rules.ruleset import packaged_ruleset_by_id
from pac_grants.rules.types import Commune
from pac_grants.scenario.encoding import loads
from pac_grants.scenario.final import to_assessment
from pac_grants.scenario.messages import Message

CLI = [sys.executable, "-c", "from pac_grants.cli import main; main()"]


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=os.environ | env, capture_output=True, text=True,
                          timeout=timeout, check=False)


class Worker:
    """``pac-grants worker`` as a child process with its log in a file."""

    def __init__(self, env: dict[str, str], log: Path, loglevel: str = "warning") -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen([*CLI, "worker", "--loglevel", loglevel],
                                            env=os.environ | env, stdout=out,
                                            stderr=subprocess.STDOUT)

    def stop(self) -> int:
        terminate(self.process, 30)
        return self.process.returncode

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def publish_phase(env: dict[str, str], files: Path, manifest: dict[str, Any], phase: str,
                  sent: Counter[str]) -> None:
    """``pac-grants publish`` every file of one phase of ``Program.write_jsonl`` (the
    malformed phase with ``--raw``), counting what each topic was sent in ``sent``."""
    for entry in (f for f in manifest["files"] if f["phase"] == phase):
        raw = ["--raw"] if phase == "malformed" else []
        done = cli(env, "publish", "--topic", entry["topic"], *raw, str(files / entry["file"]))
        assert done.returncode == 0, done.stderr
        sent[f"{env['PAC_TOPIC_PREFIX']}{entry['topic']}.v1"] += entry["messages"]


def processed(database_url: str) -> dict[str, int]:
    """Messages processed per topic: tracked offset + 1, summed over partitions."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text('SELECT topic, "offset" FROM pipeline_offsets'))
            out: Counter[str] = Counter()
            for topic, offset in rows:
                out[topic] += int(offset) + 1
            return dict(out)
    finally:
        engine.dispose()


def wait_processed(database_url: str, sent: dict[str, int], worker: Worker,
                   timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            done = processed(database_url)
        except Exception:  # tables not there until the worker migrated
            done = {}
        if all(done.get(topic, 0) >= n for topic, n in sent.items()):
            return
        assert worker.process.poll() is None, f"worker exited:\n{worker.tail()}"
        assert time.monotonic() < deadline, f"not processed: {done} < {sent}\n{worker.tail()}"
        time.sleep(0.3)


class Reference:
    """events.md's stateful rules, replayed independently over accepted messages."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.communes: dict[str, Commune] = {}
        self.rulesets: dict[int, str] = {}
        self.pools: dict[int, dict[str, int]] = {}
        self.closed: set[int] = set()
        self.assessments: dict[tuple[int, str], dict[str, Any]] = {}
        self.paid: Counter[tuple[int, str]] = Counter()
        self.payment_refs: set[str] = set()

    def apply(self, message: Message) -> None:
        if message.expect_rejection:
            return
        event = loads(message.value)
        if event["event_id"] in self.seen:
            return
        self.seen.add(event["event_id"])
        getattr(self, "_" + event["event_type"])(event)

    def _CommuneRegistered(self, e: dict[str, Any]) -> None:
        population = {int(k): int(v) for k, v in e["population"].items()}
        self.communes[e["code"]] = Commune(e["code"], e["name_fr"], e["name_ar"], e["region"],
                                           e["province"], population, e["participating"])

    def _CycleOpened(self, e: dict[str, Any]) -> None:
        self.rulesets[e["cycle"]] = e["ruleset_id"]
        self.pools[e["cycle"]] = {w: int(p) for w, p in e["pools"].items()}

    def _PoolAdjusted(self, e: dict[str, Any]) -> None:
        self.pools[e["cycle"]][e["window"]] = int(e["pool_mad"])

    def _CycleClosed(self, e: dict[str, Any]) -> None:
        self.closed.add(e["cycle"])

    def _AssessmentSubmitted(self, e: dict[str, Any]) -> None:
        key = (e["cycle"], e["commune_code"])
        if key not in self.assessments or self.assessments[key]["revision"] < e["revision"]:
            self.assessments[key] = e

    def _DisbursementExecuted(self, e: dict[str, Any]) -> None:
        from decimal import Decimal

        if e["payment_ref"] in self.payment_refs:  # events.md: no second effect
            return
        self.payment_refs.add(e["payment_ref"])
        self.paid[(e["cycle"], e["commune_code"])] += int(Decimal(e["amount_mad"]) * 100)

    def allocation(self, cycle: int) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
        """((window, code) -> centimes for amounts > 0, window -> unallocated centimes)."""
        ruleset = packaged_ruleset_by_id(self.rulesets[cycle])
        counting = {code: to_assessment(e) for (c, code), e in self.assessments.items()
                    if c == cycle}
        result = compute_cycle(ruleset, self.communes.values(), counting, self.pools[cycle])
        amounts = {(w.window.id, c.code): c.amount * 100 for w in result.windows
                   for c in w.communes if c.amount}
        return amounts, {w.window.id: w.unallocated * 100 for w in result.windows}
