"""``python benchmarks/run.py [--quick] --json FILE``: the benchmarks of docs/operations.md s5.

docs/operations.md s5: against the broker of ``PAC_BROKER_URL`` (or the
services ``scripts/services up`` starts), each figure measured side by side in one run:
pipeline throughput against raw aiokafka consumption and a decode-only Faust agent of
the same messages; p50/p99 latency at 20% of the measured rate against the raw
produce-to-consume round trip; allocation scaling over 1,503 / 15,030 / 150,300
communes; worker peak RSS with many communes of state. Prints a table (stdout) and
writes the JSON keys of docs/operations.md s5 plus everything else measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import allocation, kafka_io, memory, scale_out
from benchmarks.common import (
    REPO,
    bootstrap,
    fresh_database,
    pipeline_env,
    quantile,
    services_env,
)
from benchmarks.pipeline import PipelineRun, topic
from benchmarks.report import print_table
from pac_grants.scenario import Message, Program, generate_program


def progress(text: str) -> None:
    print(f"benchmarks: {text}", file=sys.stderr, flush=True)


def faust_peer(env: dict[str, str], name: str, count: int, work: Path) -> dict[str, float]:
    out = work / "peer.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.faust_peer",
                           env["PAC_BROKER_URL"], name, str(count), str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=900, check=False)
    if not out.exists():
        raise SystemExit(f"benchmarks: the Faust peer failed: {done.stderr[-1500:]}")
    found = json.loads(out.read_text())
    return {"faust_decode_events_per_s": float(found["events_per_s"]),
            "faust_decode_cpu_us_per_event": float(found["cpu_us_per_event"])}


def program_and_assessments(quick: bool) -> tuple[Program, list[Message]]:
    program = generate_program(seed=5150, scale=15, revisions=0 if quick else 4)
    phases = {p.name: p for p in program.phases}
    assessments = [m for m in phases["assessments"].messages if m.topic == "assessments"]
    return program, assessments[: 10_000 if quick else 50_000]


def throughput_and_latency(base: dict[str, str], quick: bool, work: Path) -> dict[str, Any]:
    progress("generating the program")
    program, assessments = program_and_assessments(quick)
    n = len(assessments)
    with fresh_database(base["PAC_DATABASE_URL"]) as url:
        env = pipeline_env(base["PAC_BROKER_URL"], url)
        run = PipelineRun(env, program, work / "worker.log")
        try:
            progress("preloading communes and cycles")
            run.preload()
            progress(f"pipeline throughput over {n} assessments")
            measured = run.throughput(assessments)
            pipeline = measured["events_per_s"]
            name, broker = topic(env, "assessments"), bootstrap(env["PAC_BROKER_URL"])
            progress("raw aiokafka consumption of the same messages")
            raw = asyncio.run(kafka_io.consume_all(broker, name, n))
            progress("decode-only Faust agent over the same messages")
            peer_figures = faust_peer(env, name, n, work)
            peer = peer_figures["faust_decode_events_per_s"]
            rate = max(5.0, 0.2 * pipeline)
            count = int(rate * (15 if quick else 60))
            progress(f"latency at {rate:.0f} events/s ({count} events)")
            latencies = run.latency(assessments, rate, count)
            rss_during = run.worker.peak_rss_mib()
        finally:
            run.stop()
    progress("raw produce-to-consume round trip at the same rate")
    rtt = asyncio.run(kafka_io.round_trip(bootstrap(base["PAC_BROKER_URL"]),
                                          f"{env['PAC_TOPIC_PREFIX']}raw-rtt", rate, count))
    return peer_figures | {
            "events": n, "pipeline_events_per_s": pipeline, "raw_events_per_s": raw,
            "pipeline_vs_faust": pipeline / peer, "pipeline_vs_raw": pipeline / raw,
            "pipeline_cpu_us_per_event": measured["cpu_us_per_event"],
            "pipeline_vs_faust_cpu": (peer_figures["faust_decode_cpu_us_per_event"]
                                      / measured["cpu_us_per_event"]),
            "per_event_us_early": measured["early_us_per_event"],
            "per_event_us_late": measured["late_us_per_event"],
            "pace_late_vs_early": (measured["late_us_per_event"]
                                   / measured["early_us_per_event"]),
            "latency_rate_per_s": rate,
            "latency_p50_s": quantile(latencies, 0.5), "latency_p99_s": quantile(latencies, 0.99),
            "raw_rtt_p50_s": quantile(rtt, 0.5), "raw_rtt_p99_s": quantile(rtt, 0.99),
            "latency_p99_ratio": quantile(latencies, 0.99) / quantile(rtt, 0.99),
            "worker_rss_throughput_run_mib": rss_during}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10,000 events, shorter latency run, 15,030 communes of state")
    parser.add_argument("--json", dest="json_file", required=True, type=Path,
                        help="where to write the figures (JSON)")
    parser.add_argument("--against-quick", type=Path, metavar="FILE",
                        help="the JSON of a --quick run: a full run then reports "
                             "per_event_growth, its CPU per event over that run's")
    args = parser.parse_args(argv)
    quick_run = _quick_figures(args.against_quick) if args.against_quick else None
    if quick_run is not None and args.quick:
        parser.error("--against-quick compares a full run with a quick one: drop --quick")
    started = time.monotonic()
    base = services_env()
    os.environ.update(base)
    figures: dict[str, Any] = {"quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="pac-bench-") as tmp:
        work = Path(tmp)
        figures |= throughput_and_latency(base, args.quick, work)
        progress("two workers sharing the partitions, the same messages")
        with fresh_database(base["PAC_DATABASE_URL"]) as url:
            program, assessments = program_and_assessments(args.quick)
            figures |= scale_out.two_workers(pipeline_env(base["PAC_BROKER_URL"], url),
                                             program, assessments, work / "two.log")
        figures["two_workers_vs_one"] = (figures["two_workers_events_per_s"]
                                         / figures["pipeline_events_per_s"])
        progress("allocation scaling (1,503 / 15,030 / 150,300 communes)")
        program = generate_program(seed=5150, scale=15)
        figures |= allocation.scaling(program, args.quick)
        progress("one revision reflected in a 1,503-commune result (incremental)")
        figures |= allocation.incremental(program)
        size = 15_030 if args.quick else 150_300
        progress(f"worker peak RSS with {size} communes of state")
        with fresh_database(base["PAC_DATABASE_URL"]) as url:
            env = pipeline_env(base["PAC_BROKER_URL"], url)
            figures |= memory.peak_rss(env, program, size, work / "memory.log")
    figures["alloc_1503_vs_raw_rtt_p50"] = figures["alloc_seconds_1503"] / figures["raw_rtt_p50_s"]
    figures["incremental_revision_vs_raw_rtt_p50"] = (
        figures["incremental_revision_seconds_1503"] / figures["raw_rtt_p50_s"])
    if quick_run is not None:
        figures["per_event_growth"] = (figures["pipeline_cpu_us_per_event"]
                                       / quick_run["pipeline_cpu_us_per_event"])
    figures["total_seconds"] = time.monotonic() - started
    args.json_file.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print_table(figures)
    return 0


def _quick_figures(path: Path) -> dict[str, Any]:
    """The figures of a --quick run, or exit 2 with one line."""
    try:
        figures = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"benchmarks: --against-quick {path}: {exc}") from None
    if not isinstance(figures, dict) or figures.get("quick") is not True \
            or "pipeline_cpu_us_per_event" not in figures:
        raise SystemExit(f"benchmarks: --against-quick {path}: not the JSON of a --quick run")
    return figures


if __name__ == "__main__":
    sys.exit(main())
