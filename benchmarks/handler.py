"""The batch handler alone: CPU per assessment event, without broker or Faust.

``python benchmarks/handler.py [--events N] [--database URL] [--json FILE]``: the
sample program's communes and cycle openings, then N assessment events (1,545 communes,
6 cycles) in batches of 500 through ``streams.handlers.BatchHandler`` on a fresh SQLite
file (or the PostgreSQL database given), as the worker hands them over; then one
provisional round of the six cycles. Reports this process's CPU time per event
(``process_time``: the database server's own work is not in it), per stage, and for
the first and the last fifth of the events (does the cost grow with the run?).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import fresh_database
from pac_grants.ledger import Ledger
from pac_grants.scenario import Message as ProgramMessage
from pac_grants.scenario import generate_program
from streams.handlers import BatchHandler
from streams.messages import BatchOutcome, Message

PREFIX = "bench."
BATCH = 500


def feed(handler: BatchHandler, messages: list[ProgramMessage], offsets: Counter[str],
         stages: Counter[str]) -> list[float]:
    """Batches of one topic at a time, in order; the CPU seconds of each batch."""
    times = []
    for start in range(0, len(messages), BATCH):
        batch = []
        for m in messages[start:start + BATCH]:
            topic = f"{PREFIX}{m.topic}.v1"
            batch.append(Message(topic, 0, offsets[topic], m.key, m.value))
            offsets[topic] += 1
        begun = time.process_time()
        outcome: BatchOutcome = handler.handle(batch)
        times.append(time.process_time() - begun)
        stages.update(outcome.stages)
    return times


def measure(url: str, events: int) -> dict[str, Any]:
    program = generate_program(seed=5150, scale=15, revisions=4 if events > 10_000 else 0)
    phases = {p.name: p for p in program.phases}
    ledger = Ledger.from_url(url)
    ledger.upgrade()
    handler = BatchHandler(ledger, PREFIX, defer_provisional=True)
    offsets: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    for name in ("reference", "open"):
        for topic in ("communes", "cycles"):
            feed(handler, [m for m in phases[name].messages if m.topic == topic], offsets,
                 Counter())
    assessments = [m for m in phases["assessments"].messages if m.topic == "assessments"]
    assessments = assessments[:events]
    times = feed(handler, assessments, offsets, stages)
    cycles = set(range(2019, 2025))
    begun = time.process_time()
    handler.publish_provisional(cycles)  # first round: every book built
    first_round = time.process_time() - begun
    begun = time.process_time()
    handler.publish_provisional(cycles)  # nothing changed: compared only
    again = time.process_time() - begun
    ledger.dispose()
    n, fifth = len(assessments), max(1, len(times) // 5)
    per_batch = len(assessments) / len(times)
    return {"events": n, "cpu_us_per_event": sum(times) / n * 1e6,
            "stage_us_per_event": {k: v / n * 1e6 for k, v in sorted(stages.items())},
            "first_fifth_us_per_event": sum(times[:fifth]) / (fifth * per_batch) * 1e6,
            "last_fifth_us_per_event": sum(times[-fifth:]) / (fifth * per_batch) * 1e6,
            "provisional_first_round_s": first_round, "provisional_again_s": again}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--database", help="a PostgreSQL URL (a fresh database is made "
                        "in it and dropped); default: a temporary SQLite file")
    parser.add_argument("--json", dest="json_file", type=Path)
    args = parser.parse_args(argv)
    if args.database:
        with fresh_database(args.database) as url:
            figures = measure(url, args.events)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            figures = measure(f"sqlite:///{tmp}/ledger.db", args.events)
    print(json.dumps(figures, indent=2))
    if args.json_file:
        args.json_file.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
