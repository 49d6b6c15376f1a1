"""The program's communes: the bundled 103, or ``scale`` synthetic copies of them.

Copy k (k >= 1) of a commune keeps its region and province, gets the code's third
segment ``k+1`` instead of ``01`` (every bundled code has ``01`` there, so codes stay
unique and look like HCP codes: ``06.141.02.0``), a name suffixed with its copy number,
and populations jittered by a seeded generator. The two copies closest to the
2024 ruleset's 500,000 limit are set to exactly 500,000 and 500,001, so that the window
membership bound is exercised on both sides (docs/rules.md s1.1: inclusive).
"""

from __future__ import annotations

import csv
import io
import random
from importlib import resources
from typing import Any

CommuneRow = dict[str, Any]

#: The 2024 windows' border (papc-2024.yaml: standard max_population).
WINDOW_LIMIT = 500_000


def bundled_communes() -> list[CommuneRow]:
    """The 103 communes of ``pac_grants/data/communes.csv`` as ``CommuneRegistered`` bodies."""
    text = resources.files("pac_grants").joinpath("data/communes.csv").read_text("utf-8")
    return [_row(r) for r in csv.DictReader(io.StringIO(text))]


def _row(record: dict[str, str]) -> CommuneRow:
    return {"code": record["code"], "name_fr": record["name_fr"], "name_ar": record["name_ar"],
            "region": record["region"], "province": record["province"],
            "population": {"2014": int(record["population_2014"]),
                           "2024": int(record["population_2024"])},
            "participating": record.get("participating", "true").strip().lower() != "false"}


def program_communes(scale: int, rng: random.Random) -> list[CommuneRow]:
    """``scale`` copies of the bundled communes (copy 0: the real ones, untouched)."""
    if scale < 1:
        raise ValueError(f"scale must be >= 1, not {scale}")
    base = bundled_communes()
    rows = list(base)
    copies = [_copy(row, k, rng) for k in range(1, scale) for row in base]
    if copies:
        _pin_window_border(copies)
    return rows + copies


def _copy(row: CommuneRow, k: int, rng: random.Random) -> CommuneRow:
    region, province, _, commune = row["code"].split(".")
    factor = rng.uniform(0.85, 1.15)
    population = {census: max(1_000, round(count * factor * rng.uniform(0.98, 1.02)))
                  for census, count in row["population"].items()}
    return {**row, "code": f"{region}.{province}.{k + 1:02d}.{commune}",
            "name_fr": f"{row['name_fr']} {k + 1}", "name_ar": f"{row['name_ar']} {k + 1}",
            "population": population, "participating": rng.random() >= 0.02}


def _pin_window_border(copies: list[CommuneRow]) -> None:
    by_distance = sorted(copies, key=lambda r: (abs(r["population"]["2024"] - WINDOW_LIMIT),
                                                r["code"]))
    for row, population in zip(by_distance, (WINDOW_LIMIT, WINDOW_LIMIT + 1), strict=False):
        row["population"] = {**row["population"], "2024": population}


def corrected(row: CommuneRow, rng: random.Random) -> CommuneRow:
    """A population correction of the 2014 census (an appeal on reference data).

    Only the 2014 figure changes, so the commune's 2024 window stays the same and its
    assessments stay valid; cycles 2019-2023 (2014 census) are recomputed.
    """
    old = row["population"]["2014"]
    new = old + max(1, round(old * rng.uniform(0.01, 0.03)))
    return {**row, "population": {**row["population"], "2014": new}}
