"""Support of the real-broker pipeline tests: worker process, publishing, waiting, and an
independent reference of the rules of docs/events.md to compare the ledger with.

The reference does not use the pipeline's code: it replays the scenario's accepted
messages (those without an expected rejection) with the plain rules of docs/events.md
(latest commune, pools, highest revision, approvals with the commune data they freeze,
reopenings), gives the amounts through the offline engine (``compute_cycle``), as
``pac-grants allocate`` does, and the money's path (orders, payments, recoveries,
offsets, carry-over, financiers) through the independent treasury replay of
tests/unit/scenario_treasury.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from pac_grants.broker.tansu import terminate
from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.ruleset import packaged_ruleset_by_id
from pac_grants.rules.types import Commune
from pac_grants.scenario.encoding import loads
from pac_grants.scenario.final import to_assessment
from pac_grants.scenario.messages import Message
from tests.unit.scenario_reference import following, total
from tests.unit.scenario_treasury import Money

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
        """SIGTERM, then the exit status; a stopped worker leaves none of its child
        processes (streams/remote.py, streams/sidecar.py) running."""
        children = descendants(self.process.pid)
        terminate(self.process, 30)
        deadline = time.monotonic() + 0.5  # their orphan watch alone takes up to 1 s
        while (left := [pid for pid in children if alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, f"the worker's child processes {left} outlived it"
        return self.process.returncode

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def descendants(pid: int) -> list[int]:
    """The processes under ``pid`` (from /proc: each process's parent)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, of in parents.items() if of == parent]
        found += kids
        frontier += kids
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


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
    """docs/events.md's stateful rules, replayed independently over accepted messages.

    An approval (``CycleClosed``) computes the cycle's amounts over the commune data of
    that moment and the pools it shares (with a carry-over) and keeps them with that data
    (docs/events.md s3.1): the ledger holds those amounts until a
    reopened cycle is approved again. :attr:`money` replays what each approval, payment
    and recovery posts. The program never sends a closing in the same phase as a change
    of its cycle (topics are read concurrently), so replaying in publication order is
    what the pipeline sees."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.communes: dict[str, Commune] = {}
        self.rulesets: dict[int, str] = {}
        self.pools: dict[int, dict[str, int]] = {}  # funded, MAD
        self.approvals: Counter[int] = Counter()  # approvals per cycle
        self.approved: set[int] = set()  # approved and not reopened
        self.frozen: dict[int, list[Commune]] = {}  # the data of the last approval
        self.posted: dict[int, dict[tuple[str, str], int]] = {}  # (window, code) -> centimes
        self.assessments: dict[tuple[int, str], dict[str, Any]] = {}
        self.money = Money()

    @property
    def closed(self) -> set[int]:
        """Cycles approved at least once (they have an allocation in the ledger)."""
        return set(self.approvals)

    def apply(self, message: Message) -> None:
        if message.expect_rejection:
            return
        event = loads(message.value)
        if event["event_id"] in self.seen:
            return
        self.seen.add(event["event_id"])
        refused = getattr(self, "_" + event["event_type"], self._no_effect)(event)
        assert refused is None, (refused, event)

    def _no_effect(self, e: dict[str, Any]) -> None:
        """Notifications and complaints change no amount by themselves."""

    def _CommuneRegistered(self, e: dict[str, Any]) -> None:
        population = {int(k): int(v) for k, v in e["population"].items()}
        self.communes[e["code"]] = Commune(e["code"], e["name_fr"], e["name_ar"], e["region"],
                                           e["province"], population, e["participating"])

    def _CycleOpened(self, e: dict[str, Any]) -> None:
        self.rulesets[e["cycle"]] = e["ruleset_id"]
        self.pools[e["cycle"]] = {w: total(p) for w, p in e["pools"].items()}
        self.money.open(e["cycle"], packaged_ruleset_by_id(e["ruleset_id"]).document,
                        e["pools"], _day(e), following(e["cycle"]))

    def _PoolAdjusted(self, e: dict[str, Any]) -> None:
        self.pools[e["cycle"]][e["window"]] = total(e["pool_mad"])
        self.money.adjust_pool(e["cycle"], e["window"], e["pool_mad"], _day(e))

    def _CycleClosed(self, e: dict[str, Any]) -> None:
        cycle = e["cycle"]
        result = self.compute(cycle, list(self.communes.values()))
        self.posted[cycle] = {(w.window.id, c.code): c.amount * 100 for w in result.windows
                              for c in w.communes if c.amount}
        self.frozen[cycle] = list(self.communes.values())
        self.approvals[cycle] += 1
        self.approved.add(cycle)
        self.money.approve(cycle, {(w.window.id, c.code): c.amount for w in result.windows
                                   for c in w.communes},
                           {w.window.id: w.unallocated for w in result.windows},
                           date.fromisoformat(e["closed_on"]) if e.get("closed_on") else _day(e))

    def _CycleReopened(self, e: dict[str, Any]) -> None:
        self.approved.discard(e["cycle"])

    def _AssessmentSubmitted(self, e: dict[str, Any]) -> None:
        key = (e["cycle"], e["commune_code"])
        if key not in self.assessments or self.assessments[key]["revision"] < e["revision"]:
            self.assessments[key] = e

    def _DisbursementExecuted(self, e: dict[str, Any]) -> str | None:
        return self.money.disbursement(e, registered=True)

    def _RecoveryReceived(self, e: dict[str, Any]) -> str | None:
        return self.money.recovery(e, registered=True)

    def compute(self, cycle: int, communes: list[Commune]) -> CycleResult:
        """The cycle's result over ``communes`` and the pools it shares now."""
        ruleset = packaged_ruleset_by_id(self.rulesets[cycle])
        counting = {code: to_assessment(e) for (c, code), e in self.assessments.items()
                    if c == cycle}
        return compute_cycle(ruleset, communes, counting,
                             self.money.effective(cycle, self.pools[cycle]))


def _day(event: dict[str, Any]) -> date:
    """The date of ``occurred_at`` (UTC, as the program writes it)."""
    return date.fromisoformat(event["occurred_at"][:10])
