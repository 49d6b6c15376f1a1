"""Reports for finance teams (issue 12): totals by region and by province with amounts
per inhabitant and the change from the previous approved cycle, and a commune's amounts
across every cycle. Amounts are the ledger's allocated (allocation + adjustments), as
decimal strings; per inhabitant rounded half to even to the centime.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pac_grants import money
from pac_grants.api.approval import previous_approved
from pac_grants.ledger import NotFound, Reader
from pac_grants.readside import ruleset_of
from pac_grants.rules.ruleset import packaged_ruleset


def census(reader: Reader, cycle: int) -> int:
    """The census the cycle's ruleset counts inhabitants by (the ruleset stored with the
    cycle; the packaged one for a ledger without state; 2014 when there is none)."""
    row = reader.state.cycle(cycle)
    ruleset = ruleset_of(row) if row is not None else packaged_ruleset(cycle)
    return ruleset.population_census if ruleset else 2014


def per_capita(centimes: int, population: int | None) -> str | None:
    if not population:
        return None
    exact = Decimal(centimes) / Decimal(population)
    return money.text(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))


@dataclass(frozen=True)
class Commune:
    code: str
    name_fr: str
    name_ar: str
    region: str
    province: str
    population: dict[int, int | None]


def communes(reader: Reader) -> dict[str, Commune]:
    return {r["code"]: Commune(r["code"], r["name_fr"], r["name_ar"], r["region"],
                               r["province"], {2014: r["population_2014"],
                                               2024: r["population_2024"]})
            for r in reader.communes.rows()}


def allocated_by_commune(reader: Reader, cycle: int) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (_window, code), amount in reader.postings.allocated(cycle).items():
        totals[code] = totals.get(code, 0) + amount
    return totals


def regions(reader: Reader, cycle: int) -> dict[str, Any]:
    """Totals by region and by province of ``cycle``, beside the previous approved one."""
    reader.postings.require_cycle(cycle)
    previous = previous_approved(reader, cycle)
    now = allocated_by_commune(reader, cycle)
    before = allocated_by_commune(reader, previous) if previous is not None else None
    year = census(reader, cycle)
    groups: dict[tuple[str, str | None], list[Commune]] = {}
    for commune in communes(reader).values():
        groups.setdefault((commune.region, None), []).append(commune)
        groups.setdefault((commune.region, commune.province), []).append(commune)
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or ""))
    lines = {key: _line(members, now, before, year) for key, members in ordered}
    return {
        "cycle": cycle, "previous_cycle": previous, "census": year,
        "regions": [{"region": r} | line for (r, p), line in lines.items() if p is None],
        "provinces": [{"region": r, "province": p} | line for (r, p), line in lines.items()
                      if p is not None],
        "total": _line(list(communes(reader).values()), now, before, year),
    }


def _line(members: list[Commune], now: dict[str, int], before: dict[str, int] | None,
          year: int) -> dict[str, Any]:
    allocated = sum(now.get(m.code, 0) for m in members)
    population = sum(m.population.get(year) or 0 for m in members)
    previous = None if before is None else sum(before.get(m.code, 0) for m in members)
    return {"communes": len(members), "population": population,
            "allocated": money.text(allocated), "per_capita": per_capita(allocated, population),
            "previous": None if previous is None else money.text(previous),
            "change": None if previous is None else money.text(allocated - previous)}


def history(reader: Reader, code: str) -> dict[str, Any]:
    """The commune's allocated, paid and outstanding in every cycle it has an account in,
    with the change from the cycle before (in this list)."""
    known = communes(reader).get(code)
    rows: list[dict[str, Any]] = []
    last: int | None = None
    for cycle in reader.postings.cycles():
        mine = [b for b in reader.postings.balances(cycle) if b.code == code]
        if not mine:
            continue
        allocated = mine[0].allocated
        population = known.population.get(census(reader, cycle)) if known else None
        rows.append({"cycle": cycle, "allocated": money.text(allocated),
                     "paid": money.text(mine[0].paid),
                     "outstanding": money.text(mine[0].outstanding),
                     "population": population, "per_capita": per_capita(allocated, population),
                     "change": None if last is None else money.text(allocated - last)})
        last = allocated
    if not rows:
        raise NotFound(f"commune {code} has no transaction in the ledger")
    names = {"name_fr": known.name_fr, "name_ar": known.name_ar, "region": known.region,
             "province": known.province} if known else {
        "name_fr": None, "name_ar": None, "region": None, "province": None}
    return {"commune": {"code": code} | names, "cycles": rows}
