"""What every benchmark shares: the services, a fresh database, topics, the worker.

docs/operations.md s5: the broker of ``PAC_BROKER_URL`` (or ``scripts/services up`` when it
is not set). Each run gets its own topic prefix and, on PostgreSQL, its own
database, dropped at the end, so runs never see each other's messages or state.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pac_grants.broker.tansu import terminate

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from pac_grants.cli import main; main()"]


def services_env() -> dict[str, str]:
    """PAC_BROKER_URL / PAC_DATABASE_URL from the environment, else from ``up``."""
    if os.environ.get("PAC_BROKER_URL") and os.environ.get("PAC_DATABASE_URL"):
        return {k: os.environ[k] for k in ("PAC_BROKER_URL", "PAC_DATABASE_URL")}
    done = subprocess.run([str(REPO / "scripts" / "services"), "up"], capture_output=True,
                          text=True, timeout=600, check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"benchmarks: scripts/services up failed: {done.stderr[-500:]}")
    found = dict(line.removeprefix("export ").split("=", 1)
                 for line in done.stdout.splitlines() if line.startswith("export "))
    return {k: found[k] for k in ("PAC_BROKER_URL", "PAC_DATABASE_URL")}


def bootstrap(broker_url: str) -> str:
    return broker_url.split("://", 1)[-1].split(",")[0]


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A throwaway PostgreSQL database (or a SQLite file), removed afterwards."""
    if not url.startswith("postgresql"):
        path = REPO / f".bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            path.unlink(missing_ok=True)
        return
    name = f"pac_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.dispose()


def drop_database(admin: sa.Engine, name: str) -> None:
    """``DROP DATABASE ... WITH (FORCE)``: it ends the owner's sessions, not an autovacuum
    worker that a run's writes started (another role: InsufficientPrivilege), which ends
    within seconds; so try again meanwhile, for up to 20 s."""
    for attempt in range(40):
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except sa.exc.ProgrammingError as exc:
            if "pg_signal_backend" not in str(exc) or attempt == 39:
                raise
            time.sleep(0.5)


def pipeline_env(broker_url: str, database_url: str) -> dict[str, str]:
    return {"PAC_BROKER_URL": broker_url, "PAC_DATABASE_URL": database_url,
            "PAC_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:8]}.", "PAC_METRICS_PORT": "0"}


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*CLI, *args], env=os.environ | env, capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmarks: pac-grants {' '.join(args)}: {done.stderr[-500:]}")
    return done.stdout


class Worker:
    """``pac-grants worker`` as a child process; its log in a temporary file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen([*CLI, "worker", "--loglevel", "warning"],
                                            env=os.environ | env, stdout=out,
                                            stderr=subprocess.STDOUT)

    def peak_rss_mib(self) -> float:
        """VmHWM of the worker process and of its children (the batch handler's and the
        provisional results' processes; Linux): their peak resident sets, added."""
        return sum(_peak_mib(pid) for pid in [self.process.pid, *descendants(self.process.pid)])

    def peak_rss_by_process_mib(self) -> list[float]:
        """The same VmHWM, one per process: the worker first, then its children in the
        order they started (the batch handler's, then the provisional results')."""
        pids = [self.process.pid, *sorted(descendants(self.process.pid))]
        return [round(_peak_mib(pid), 1) for pid in pids]

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the worker process and its children (the
        batch handler's and the provisional results' processes; Linux ``/proc``)."""
        return sum(_cpu_seconds(pid) for pid in [self.process.pid, *descendants(self.process.pid)])

    def alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"benchmarks: the worker exited:\n{tail}")

    def stop(self) -> None:
        terminate(self.process, 30)


def descendants(pid: int) -> list[int]:
    """The processes under ``pid`` (the worker's children: its batch handler and its
    provisional results), from ``/proc``; one that ends meanwhile is left out."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend(int(child) for child in (task / "children").read_text().split())
    except OSError:
        return []
    return [grand for child in found for grand in (child, *descendants(child))]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


class Offsets:
    """The pipeline's committed position: ``pipeline_offsets``, read in one query."""

    def __init__(self, database_url: str) -> None:
        self.engine = sa.create_engine(database_url, poolclass=sa.StaticPool
                                       if database_url.startswith("sqlite") else None)

    def read(self) -> dict[tuple[str, int], int]:
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.text(
                    'SELECT topic, partition, "offset" FROM pipeline_offsets'))
                return {(str(t), int(p)): int(o) for t, p, o in rows}
        except sa.exc.DBAPIError:  # not migrated yet
            return {}

    def count(self, topic: str) -> int:
        return sum(o + 1 for (t, _p), o in self.read().items() if t == topic)

    def wait(self, topic: str, n: int, worker: Worker | list[Worker], timeout: float = 900,
             marks: list[tuple[float, int]] | None = None) -> float:
        """Seconds until ``n`` messages of ``topic`` are committed by the pipeline;
        ``marks`` collects (time, committed count) at each poll."""
        started = time.monotonic()
        workers = worker if isinstance(worker, list) else [worker]
        while (count := self.count(topic)) < n:
            if marks is not None:
                marks.append((time.monotonic(), count))
            for one in workers:
                one.alive()
            if time.monotonic() - started > timeout:
                raise SystemExit(f"benchmarks: {topic}: {count} < {n} "
                                 f"after {timeout:.0f} s")
            time.sleep(0.05)
        if marks is not None:
            marks.append((time.monotonic(), n))
        return time.monotonic() - started

    def dispose(self) -> None:
        self.engine.dispose()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def as_float(value: Any) -> float:
    return float(value)
