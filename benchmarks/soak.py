"""Soak: the pipeline under a steady load for minutes, its worker SIGKILLed every few.

A fresh PostgreSQL database and topics of its own (prefix soak<hex>.) on the services of
PAC_BROKER_URL / PAC_DATABASE_URL (else `scripts/services up`, which reuses running
services; they are never stopped). `pac-grants worker` runs as a child process. The
sample program (--scale, --seed) is processed first: its communes, cycle openings and
accepted assessments (with 2022's co-financing). Then, for --minutes, events are
published at --rate per second: new revisions of the program's assessments, dated in
their cycle's assessment period, and, for --update-share of them, new commune
registrations (populations moved within their windows), dated before any
notification. Every --kill-every minutes the worker gets a SIGKILL and a new one starts
at once.

Every --sample-every seconds it reads: events published and committed (the worker's
tracked offsets in its database), the lag between them, events committed per second,
the worker's RSS (/proc/PID/status VmRSS), open file descriptors (/proc/PID/fd) and
threads, and the sessions on its database (pg_stat_activity, the soak's own left out).

At the end it waits until everything is committed, notifies and approves every cycle
as the program does (June 30 of the grant year, after the complaint window; 2022 before
2023, to which it carries money over), stops the worker and checks the ledger against
an independent replay of the rules and the treasury
(tests/integration/pipeline_support.py Reference): every balance, order and transaction
to the centime, no dead letter, every revision stored once, `ledger verify` ok.

RSS growth: samples of the first --warm-up fraction of the run, and of each worker
life's own first --warm-up fraction, are left out; the median of the last quarter of
the rest is compared with the median of the first quarter, across the run and within
each worker life. The goal: under --max-growth percent for both.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import soak_stats as stats
from benchmarks.common import fresh_database, pipeline_env, services_env
from benchmarks.soak_check import close_cycles, ledger_problems
from benchmarks.soak_load import EventSource
from benchmarks.soak_run import Failure, Soak, progress
from pac_grants.scenario import generate_program

EXIT_CODES = """exit status: 0 the ledger is right and RSS growth is under the goal (or the run
was too short to judge it); 1 the ledger is wrong or does not verify, or the run
could not go on (the worker exited by itself, publishing failed); 2 bad arguments;
3 the ledger is right but RSS grew by the goal or more."""


def _number(low: float, high: float = float("inf"), *, above: bool = False,
            below: bool = False) -> Any:
    """A parser of numbers within bounds: ``above``/``below`` make a bound exclusive."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
        if (value <= low if above else value < low) or (value >= high if below
                                                          else value > high):
            lower = f"{'over' if above else 'at least'} {low:g}"
            upper = "" if high == float("inf") else \
                f" and {'under' if below else 'at most'} {high:g}"
            raise argparse.ArgumentTypeError(f"must be {lower}{upper}, not {text}")
        return value
    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/soak.py", description=__doc__, epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--minutes", type=_number(0, above=True), default=10.0,
        help="how long the steady load lasts (default 10)")
    add("--rate", type=_number(0, above=True), default=50.0,
        help="events published per second (default 50)")
    add("--kill-every", type=_number(0), default=2.5, metavar="MINUTES",
        help="SIGKILL the worker every MINUTES and restart it at once; 0: never "
             "(default 2.5: three kills in 10 minutes, four equal worker lives)")
    add("--sample-every", type=_number(0, above=True), default=10.0, metavar="SECONDS",
        help="seconds between two readings (default 10)")
    add("--scale", type=int, default=5, help="sample program scale: 103 communes per unit, "
        "6 cycles (default 5: 515 communes, 3,454 assessments preloaded)")
    add("--seed", type=int, default=5150, help="sample program and load seed (default 5150)")
    add("--update-share", type=_number(0, 1), default=0.1,
        metavar="FRACTION", help="commune registrations among the events (default 0.1)")
    add("--warm-up", type=_number(0, 1, below=True), default=0.2, metavar="FRACTION",
        help="fraction of the run, and of each worker life, left out of the RSS growth "
             "(default 0.2)")
    add("--max-growth", type=_number(0, above=True), default=10.0, metavar="PERCENT",
        help="RSS growth goal in percent (default 10)")
    add("--json", dest="json_file", type=Path, metavar="FILE",
        help="also write the settings, every sample and the verdicts as JSON")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error(f"argument --scale: must be at least 1, not {args.scale}")
    if args.sample_every >= args.minutes * 60:
        parser.error("argument --sample-every: must be shorter than the run (--minutes)")
    return args


def settings(args: argparse.Namespace) -> dict[str, Any]:
    return {k: v for k, v in vars(args).items() if k != "json_file"}


def soak(args: argparse.Namespace, env: dict[str, str], work: Path) -> dict[str, Any]:
    progress(f"generating the program (scale {args.scale}); topics {env['PAC_TOPIC_PREFIX']}*")
    program = generate_program(seed=args.seed, scale=args.scale)
    source = EventSource(program, args.seed, args.update_share)
    run = Soak(env, program, source, work / "worker.log")
    out: dict[str, Any] = {"problems": []}
    try:
        progress("preloading communes, cycle openings and assessments")
        run.preload()
        progress(f"steady load: {args.rate:g} events/s for {args.minutes:g} min")
        run.steady(args.minutes * 60, args.rate, args.kill_every * 60, args.sample_every)
        progress("load ended; waiting until everything is committed")
        out["drain_s"] = round(run.drain(args.sample_every), 1)
        progress("notifying and approving every cycle")
        close_cycles(run.run, source, program.cycles, run.published)
    except Failure as exc:
        out["problems"].append(f"the run stopped: {exc}")
    finally:
        out["worker_exit_status"] = run.stop()
        out |= {"samples": run.samples, "kills": run.kills, "made": dict(source.made),
                "tracebacks_in_worker_log": run.tracebacks()}
    if out["problems"]:
        return out
    if out["worker_exit_status"] != 0:
        out["problems"].append(f"the worker exited {out['worker_exit_status']} on SIGTERM")
    progress("checking the ledger against the reference")
    revisions = run.preloaded_revisions + source.made["AssessmentSubmitted"]
    problems, out["ledger"] = ledger_problems(env, source.reference, revisions,
                                              run.run.offsets.engine)
    run.run.offsets.dispose()
    out["problems"] += problems
    return out


def report(args: argparse.Namespace, out: dict[str, Any]) -> int:
    samples: list[stats.Sample] = out["samples"]
    per_life = stats.life_growths(samples, args.warm_up)
    overall = stats.run_growth(samples, args.warm_up, args.minutes * 60)
    ok = stats.verdict(overall, per_life, args.max_growth)
    print("\n".join(stats.table(samples)))
    print()
    for name, (low, high) in stats.ranges(samples).items() if samples else ():
        print(f"{name} over the load: {low:,g} .. {high:,g}")
    for kill in out["kills"]:
        print(f"kill at t={kill['t']:.0f} s (pid {kill['killed_pid']}): restart to first "
              f"commit {kill['recovery_s']} s")
    print(f"drained in {out.get('drain_s')} s after the load; events made {out['made']}; "
          f"tracebacks in the worker log: {out['tracebacks_in_worker_log']}")
    print(f"RSS growth across the run: {stats.describe(overall)}")
    for life, g in per_life.items():
        print(f"RSS growth in worker life {life}: {stats.describe(g)}")
    goal = f"under {args.max_growth:g}%"
    print(f"RSS growth {goal}: " + {True: "yes", False: "NO", None: "not judged"}[ok])
    print("ledger: " + ("; ".join(out["problems"]) or f"equal to the reference, "
                        f"{out['ledger']['verify']}"))
    status = 1 if out["problems"] else 3 if ok is False else 0
    if args.json_file:
        document = {"settings": settings(args), **out, "exit_status": status,
                    "samples": [asdict(s) for s in samples], "growth_ok": ok,
                    "growth_run": overall and asdict(overall) | {"percent": overall.percent},
                    "growth_lives": {str(n): g and asdict(g) | {"percent": g.percent}
                                     for n, g in per_life.items()}}
        args.json_file.write_text(json.dumps(document, indent=2) + "\n")
    return status


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    base = services_env()
    os.environ.update(base)
    with fresh_database(base["PAC_DATABASE_URL"]) as url, \
            tempfile.TemporaryDirectory(prefix="pac-soak-") as tmp:
        env = pipeline_env(base["PAC_BROKER_URL"], url)
        env["PAC_TOPIC_PREFIX"] = f"soak{uuid.uuid4().hex[:8]}."
        out = soak(args, env, Path(tmp))
        if out["problems"]:
            print((Path(tmp) / "worker.log").read_text(errors="replace")[-3000:],
                  file=sys.stderr)
    out |= {"started_at": started.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds")}
    return report(args, out)


if __name__ == "__main__":
    sys.exit(main())
