"""``pac-grants demo`` (docs/cli.md s1): the bundled sample program, end to end.

Nothing to install: an embedded Tansu broker (unless ``PAC_BROKER_URL`` is set), a
SQLite ledger file in ``--workdir``, the worker as a child process. Progress and logs go
to stderr, the summary to stdout. Exit 0 when every event was processed, the ledger
verifies and equals the offline calculation.
"""

from __future__ import annotations

import signal
import sys
import urllib.request
from pathlib import Path

import click


@click.command()
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("pac-grants-demo"), show_default=True,
              help="Where the ledger file and the logs are written.")
@click.option("--seed", type=int, default=20190, show_default=True,
              help="Seed of the sample program (same seed, same events).")
@click.option("--timeout", type=float, default=300.0, show_default=True,
              help="Seconds to wait for the worker to process one phase.")
def demo(workdir: Path, seed: int, timeout: float) -> None:
    """Run the sample program (cycles 2019-2024) on an embedded broker and summarise it."""
    from pac_grants.broker.tansu import EmbeddedBrokerError
    from pac_grants.demo import runner
    from pac_grants.demo.progress import WorkerDied
    from pac_grants.scenario import generate_program
    from pac_grants.settings import SettingsError, load_settings

    def note(text: str) -> None:
        click.echo(text, err=True)

    _interrupt_on_signals()

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    workdir.mkdir(parents=True, exist_ok=True)
    settings = settings.model_copy(update={"database_url": runner.fresh_database(workdir)})
    program = generate_program(seed=seed)
    port = runner.metrics_port()
    try:
        with runner.broker(settings, workdir, note) as ready:
            env = runner.DemoEnv(ready, workdir, port)
            ledger = runner.prepare(ready, note)
            with runner.worker(env) as process:
                note(f"worker: pid {process.pid}, log {workdir / 'worker.log'}")
                runner.publish_phases(env, program, ledger, process, note, timeout)
                metrics = _scrape(port)
            ok = _report(ledger, program, port, metrics, workdir)
            ledger.dispose()
    except (EmbeddedBrokerError, WorkerDied, TimeoutError) as exc:
        raise click.ClickException(f"{exc} (see {workdir}/worker.log)") from None
    except KeyboardInterrupt:
        note("interrupted: the worker and the broker were stopped")
        sys.exit(130)
    if not ok:
        sys.exit(1)


def _interrupt_on_signals() -> None:
    """Ctrl-C and SIGTERM both unwind through the cleanup (even where SIGINT came in
    ignored, as for a background job of a non-interactive shell)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            return str(reply.read().decode("utf-8"))
    except OSError:
        return ""


def _report(ledger: object, program: object, port: int, metrics: str, workdir: Path) -> bool:
    from pac_grants.demo import summary

    echo = click.echo
    echo("")
    summary.cycles_table(ledger, echo)  # type: ignore[arg-type]
    echo("")
    summary.treasury_table(ledger, echo)  # type: ignore[arg-type]
    summary.decisions(ledger, program, echo)  # type: ignore[arg-type]
    compared, differences = summary.offline_check(ledger, program)  # type: ignore[arg-type]
    echo("")
    echo(f"ledger vs offline calculation: {compared} commune amounts compared, each cycle "
         f"with the commune data of its last approval, {len(differences)} differences")
    for line in differences[:10]:
        echo(f"  {line}")
    found, expected = summary.dead_letters(ledger, program)  # type: ignore[arg-type]
    echo("dead letters: " + ", ".join(f"{code} {n}" for code, n in sorted(found.items())))
    report = ledger.verify()  # type: ignore[attr-defined]
    echo(f"ledger verify: {report.line()}")
    consumed = sum(_samples(metrics, "pac_events_consumed_total"))
    echo(f"metrics: http://127.0.0.1:{port}/metrics while a worker runs (PAC_METRICS_PORT); "
         f"this run: {consumed:.0f} events consumed, "
         f"{sum(_samples(metrics, 'pac_events_rejected_total')):.0f} rejected")
    echo(f"ledger file: {workdir / 'ledger.db'} "
         f"(PAC_DATABASE_URL=sqlite:///{(workdir / 'ledger.db').resolve()} "
         "pac-grants ledger summary)")
    return bool(report.ok) and not differences and found == expected


def _samples(text: str, name: str) -> list[float]:
    values = []
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            values.append(float(line.rsplit(" ", 1)[1]))
    return values
