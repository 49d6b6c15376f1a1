"""Orchestrating the demo: broker, ledger, topics, worker, phases, cleanup.

Everything started here is stopped here, in reverse order, also on Ctrl-C or an error:
the worker (SIGTERM, then SIGKILL), then the embedded broker. The worker is a child
process (``pac-grants worker``) because Faust owns its event loop and signals.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pac_grants.broker.publish import producer, send_all
from pac_grants.broker.tansu import EmbeddedTansu, free_port, terminate
from pac_grants.broker.topics import create_topics, topic_name
from pac_grants.demo.progress import Progress
from pac_grants.ledger import Ledger
from pac_grants.scenario import Program
from pac_grants.settings import Settings

Echo = Callable[[str], None]


@dataclass(frozen=True)
class DemoEnv:
    settings: Settings  # broker, database and prefix the worker gets
    workdir: Path
    metrics_port: int


@contextlib.contextmanager
def broker(settings: Settings, workdir: Path, echo: Echo) -> Iterator[Settings]:
    """The settings with a broker: ``PAC_BROKER_URL`` if set, else an embedded Tansu."""
    if os.environ.get("PAC_BROKER_URL"):
        prefix = f"{settings.topic_prefix}demo-{int(time.time())}."
        echo(f"broker: {settings.broker_url} (PAC_BROKER_URL), topics {prefix}*")
        yield settings.model_copy(update={"topic_prefix": prefix})
        return
    with EmbeddedTansu(log_path=workdir / "tansu.log") as tansu:
        echo(f"broker: embedded Tansu at {tansu.bootstrap} (memory only; log "
             f"{workdir / 'tansu.log'})")
        yield settings.model_copy(update={"broker_url": tansu.url})


def fresh_database(workdir: Path) -> str:
    """A new SQLite ledger file in the work directory (an earlier demo's is replaced)."""
    path = workdir / "ledger.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path.resolve()}"


@contextlib.contextmanager
def worker(env: DemoEnv) -> Iterator[subprocess.Popen[bytes]]:
    """``pac-grants worker`` as a child process, logging to the work directory."""
    settings = env.settings
    child_env = os.environ | {
        "PAC_BROKER_URL": settings.broker_url, "PAC_DATABASE_URL": settings.database_url,
        "PAC_TOPIC_PREFIX": settings.topic_prefix, "PAC_METRICS_PORT": str(env.metrics_port)}
    argv = [sys.executable, "-c", "from pac_grants.cli import main; main()", "worker",
            "--loglevel", "warning"]
    with open(env.workdir / "worker.log", "ab") as log:
        process = subprocess.Popen(argv, env=child_env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        yield process
    finally:
        terminate(process, 20.0)


def publish_phases(env: DemoEnv, program: Program, ledger: Ledger,
                   process: subprocess.Popen[bytes], echo: Echo, timeout: float) -> None:
    """Send each phase, then wait until the worker has processed it (progress bar)."""
    import click

    progress = Progress()
    total = sum(len(p.messages) for p in program.phases)
    kafka = producer(env.settings)
    try:
        with click.progressbar(length=total, label="processing events", file=sys.stderr,
                               show_pos=True) as bar:
            for phase in program.phases:
                by_topic: dict[str, list[tuple[bytes | None, bytes]]] = {}
                for message in phase.messages:
                    name = topic_name(env.settings.topic_prefix, message.topic)
                    by_topic.setdefault(name, []).append((message.key, message.value))
                for name, records in by_topic.items():
                    progress.record(name, send_all(kafka, name, records))

                def tick(done: int) -> None:
                    bar.update(done - bar.pos)

                progress.wait(ledger, process, timeout, tick)
    finally:
        kafka.close()
    echo(f"{total} events published in {len(program.phases)} phases and processed")


def prepare(settings: Settings, echo: Echo) -> Ledger:
    ledger = Ledger.from_url(settings.database_url)
    ledger.upgrade()
    created = create_topics(settings)
    echo(f"topics: {len(created)} created ({settings.topic_prefix}*.v1); "
         f"ledger: {settings.database_url}")
    return ledger


def metrics_port() -> int:
    return free_port()
