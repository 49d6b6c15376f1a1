"""Allocation scaling (operations.md): the pure ``compute_cycle`` for 1,503, 15,030 and
150,300 communes, without broker or database.

The communes and assessments are the sample program's of cycle 2021 (a performance
window, caps, every band edge), tiled with new codes up to the size wanted, so every
size has the same mix of eligible, capped and ineligible communes.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

from pac_grants.rules.engine import compute_cycle
from pac_grants.rules.ruleset import packaged_ruleset
from pac_grants.scenario import Program
from pac_grants.scenario.final import to_assessment, to_commune

SIZES = (1_503, 15_030, 150_300)
CYCLE = 2021


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


def time_allocation(program: Program, size: int, repeats: int) -> float:
    """Median seconds of ``compute_cycle`` at ``size`` communes."""
    ruleset = packaged_ruleset(CYCLE)
    assert ruleset is not None
    communes, assessments, pools = inputs(program, size)
    times = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        compute_cycle(ruleset, communes, assessments, pools)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def scaling(program: Program, quick: bool) -> dict[str, float]:
    repeats = {1_503: 5, 15_030: 3 if quick else 5, 150_300: 1 if quick else 3}
    seconds = {size: time_allocation(program, size, repeats[size]) for size in SIZES}
    return {"alloc_seconds_1503": seconds[1_503], "alloc_seconds_15030": seconds[15_030],
            "alloc_seconds_150300": seconds[150_300],
            "alloc_scaling_ratio": seconds[150_300] / seconds[15_030]}
