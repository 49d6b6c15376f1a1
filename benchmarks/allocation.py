"""Allocation scaling (docs/operations.md), without broker or database: the incremental book
(``pac_grants.rules.book``, what the worker keeps) against the reference ``compute_cycle``
in the same run, for 1,503, 15,030 and 150,300 communes; and the incremental result:
one revision reflected in a 1,503-commune window.

The communes and assessments are the sample program's of cycle 2021 (a performance
window, caps, every band edge), tiled with new codes up to the size wanted, so every
size has the same mix of eligible, capped and ineligible communes.

``python benchmarks/allocation.py [--quick]`` prints the figures alone; ``run.py`` adds
them to its JSON and sets the revision against the raw Kafka round trip of its run.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import lean_results
from pac_grants.rules.book import CycleBook
from pac_grants.rules.book_result import cycle_result
from pac_grants.rules.engine import compute_cycle
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset
from pac_grants.scenario import Program, generate_program
from pac_grants.scenario.final import to_assessment, to_commune

SIZES = (1_503, 15_030, 150_300)
CYCLE = 2021


def ruleset() -> Ruleset:
    found = packaged_ruleset(CYCLE)
    assert found is not None
    return found


def inputs(program: Program, size: int) -> tuple[list[Any], dict[str, Any], dict[str, int]]:
    rows, events, pools = program.final_inputs(CYCLE)
    communes, assessments = [], {}
    for n in range(size):
        row, copy = rows[n % len(rows)], n // len(rows)
        code = f"{row['code']}.{copy}" if copy else row["code"]
        communes.append(to_commune(row | {"code": code}))
        if row["code"] in events:
            event = events[row["code"]] | {"commune_code": code}
            assessments[code] = to_assessment(event)
    scale = size / len(rows)
    return communes, assessments, {w: int(p * scale) for w, p in pools.items()}


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    """Median CPU seconds of this process (``process_time``): on a machine shared with
    other jobs, wall time measures them too (single-threaded work: equal when idle)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times)


def full_book(communes: list[Any], assessments: dict[str, Any], pools: dict[str, int]
              ) -> CycleBook:
    """The book built from scratch, every window allocated and the inputs digest (as
    ``compute_cycle`` computes it): a full allocation."""
    book = CycleBook(ruleset(), pools, communes, assessments)
    for window_id in book.windows:
        book.allocation(window_id)
    book.inputs_digest()
    return book


def scaling(program: Program, quick: bool) -> dict[str, float]:
    """``alloc_seconds_N``: the book; ``alloc_reference_seconds_N``: compute_cycle."""
    repeats = {1_503: 5, 15_030: 3 if quick else 5, 150_300: 1 if quick else 3}
    figures: dict[str, float] = {}
    for size in SIZES:
        figures |= one_size(program, size, repeats[size])
    figures["alloc_scaling_ratio"] = (figures["alloc_seconds_150300"]
                                      / figures["alloc_seconds_15030"])
    return figures


def one_size(program: Program, size: int, repeats: int) -> dict[str, float]:
    communes, assessments, pools = inputs(program, size)
    reference = median_seconds(
        lambda: compute_cycle(ruleset(), communes, assessments, pools), repeats)
    full = median_seconds(lambda: full_book(communes, assessments, pools), repeats)
    book = full_book(communes, assessments, pools)
    return {f"alloc_reference_seconds_{size}": reference, f"alloc_seconds_{size}": full,
            f"alloc_speedup_{size}": reference / full,
            f"alloc_cycle_result_seconds_{size}": median_seconds(lambda: cycle_result(book),
                                                                 repeats)}


def incremental(program: Program, size: int = 1_503, revisions: int = 300
                ) -> dict[str, float]:
    """One revision at a time (a boolean indicator flipped, revision + 1) in a book of
    ``size`` communes: the time until the window's new amounts are known (the computation
    of docs/operations.md s5), then the published JSON of the cycle."""
    communes, assessments, pools = inputs(program, size)
    book = full_book(communes, assessments, pools)
    codes = sorted(assessments)
    computed, published = [], []
    for n in range(revisions):
        before = book.assessments[codes[n % len(codes)]]
        flipped = {**before.indicators, "A2": not before.indicators["A2"]}
        after = dataclasses.replace(before, event_id=f"bench-{n}", indicators=flipped,
                                    revision=before.revision + 1)
        started = time.process_time()
        book.set_assessment(after.commune_code, after)
        book.allocation("standard")
        computed.append(time.process_time() - started)
        lean_results.published_json(book, "provisional")
        published.append(time.process_time() - started)
    return {f"incremental_revision_seconds_{size}": statistics.median(computed),
            f"incremental_revision_p99_seconds_{size}": sorted(computed)[int(0.99 * revisions)],
            f"incremental_published_seconds_{size}": statistics.median(published)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="allocation: incremental book against "
                                     "compute_cycle, and one revision at 1,503 communes")
    parser.add_argument("--quick", action="store_true", help="fewer repeats at 150,300")
    args = parser.parse_args(argv)
    print("benchmarks: generating the program", file=sys.stderr, flush=True)
    program = generate_program(seed=5150, scale=15)
    figures = scaling(program, args.quick) | incremental(program) | incremental(
        program, 150_300, 5 if args.quick else 20)
    for size in SIZES:
        print(f"{size:>7,} communes: compute_cycle "
              f"{figures[f'alloc_reference_seconds_{size}']:8.3f} s | book (full) "
              f"{figures[f'alloc_seconds_{size}']:7.3f} s | x{figures[f'alloc_speedup_{size}']:.1f}"
              f" | as CycleResult +{figures[f'alloc_cycle_result_seconds_{size}']:.3f} s")
    print(f"scaling time(150,300) / time(15,030): x{figures['alloc_scaling_ratio']:.1f}")
    for size in (1_503, 150_300):
        print(f"one revision, {size:,} communes: "
              f"{figures[f'incremental_revision_seconds_{size}'] * 1e3:.2f} ms median (p99 "
              f"{figures[f'incremental_revision_p99_seconds_{size}'] * 1e3:.2f} ms); with the "
              f"published JSON {figures[f'incremental_published_seconds_{size}'] * 1e3:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
