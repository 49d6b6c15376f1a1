"""Writing a program to a directory, for ``pac-grants publish`` and ``allocate``.

Files: ``NN-phase.topic.jsonl`` (one message value per line, in publication order),
``communes.csv`` (the registry at the end, in the CSV shape of ``pac-grants allocate
--communes``), ``communes-CYCLE.csv`` (the commune data each cycle's last approval froze:
what its allocation in the ledger used, docs/events.md s3.1),
``final.assessments.jsonl`` (only the assessments that count, every cycle: the input of
``pac-grants allocate --assessments``) and ``manifest.json`` (files, each cycle's
effective pools: funded, plus what the cycle before carried over, minus what it carried
over itself; the carry-overs; approval dates; the expected dead-letter code of each bad
line).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pac_grants.scenario.communes import CommuneRow
from pac_grants.scenario.messages import Message

if TYPE_CHECKING:
    from pac_grants.scenario.program import Program

CSV_HEADER = ("code", "name_fr", "name_ar", "region", "province", "population_2014",
              "population_2024", "participating")


def write_program(program: Program, directory: Path) -> list[tuple[Path, int]]:
    """Write every file; returns (path, number of lines) for each, in order."""
    directory.mkdir(parents=True, exist_ok=True)
    written, manifest = [], []
    for number, phase in enumerate(program.phases, start=1):
        for topic in dict.fromkeys(m.topic for m in phase.messages):
            messages = [m for m in phase.messages if m.topic == topic]
            path = directory / f"{number:02d}-{phase.name}.{topic}.jsonl"
            _write_lines(path, messages)
            written.append((path, len(messages)))
            manifest.append({"file": path.name, "phase": phase.name, "topic": topic,
                             "messages": len(messages), "expected_rejections": {
                                 str(line): m.expect_rejection
                                 for line, m in enumerate(messages, start=1)
                                 if m.expect_rejection}})
    written.append(_write_communes(program.final_communes, directory / "communes.csv"))
    for cycle, rows in sorted(program.frozen.items()):
        written.append(_write_communes(rows, directory / f"communes-{cycle}.csv"))
    finals = [raw for _, raw in sorted(program.counting.items())]
    (directory / "final.assessments.jsonl").write_bytes(b"".join(r + b"\n" for r in finals))
    written.append((directory / "final.assessments.jsonl", len(finals)))
    summary = {"seed": program.seed, "scale": program.scale, "cycles": list(program.cycles),
               "pools": {str(c): p for c, p in program.pools.items()},
               "carried_over": {str(c): w for c, w in program.carried.items()},
               "approvals": {str(c): [d.isoformat() for d in days]
                             for c, days in program.approvals.items()}, "files": manifest}
    (directory / "manifest.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    return written


def _write_lines(path: Path, messages: list[Message]) -> None:
    with path.open("wb") as out:
        for message in messages:
            assert b"\n" not in message.value, "a JSONL line cannot hold a newline"
            out.write(message.value + b"\n")


def _write_communes(rows: list[CommuneRow], path: Path) -> tuple[Path, int]:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for row in rows:
            writer.writerow([row["code"], row["name_fr"], row["name_ar"], row["region"],
                             row["province"], row["population"]["2014"],
                             row["population"]["2024"],
                             "true" if row["participating"] else "false"])
    return path, len(rows)
