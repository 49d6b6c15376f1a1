"""Public results of approved cycles (issue 12; README.md "Finance API and page"): what any
citizen may read about their commune, and nothing else: no payment, no dead letter, no
event id.

Per commune of each window: minimum conditions met, points per area (omitted for an
``mmc_only`` window), score, rank by grant within the window (ties share a rank: 1, 2,
2, 4), the grant the ledger holds, the grant per inhabitant, and the change from the
previous approved cycle (null when there is none; a commune without a grant then
had 0). Which cycles are approved is :mod:`pac_grants.api.approval`'s to say.
"""

from __future__ import annotations

from typing import Any

from pac_grants import money
from pac_grants.api import allocation as allocations
from pac_grants.api.approval import approval, approved_cycles, previous_approved
from pac_grants.api.reports import Commune, allocated_by_commune, census, communes, per_capita
from pac_grants.ledger import NotFound, Reader
from pac_grants.rules.engine import CommuneResult, CycleResult, WindowResult


def cycles(reader: Reader) -> dict[str, Any]:
    return {"cycles": [{"cycle": c, "status": s} for c, s in approved_cycles(reader).items()]}


def ranks(amounts: list[int]) -> list[int]:
    """Competition ranking by amount, largest first: [5, 3, 3, 1] -> [1, 2, 2, 4]."""
    ordered = sorted(amounts, reverse=True)
    first: dict[int, int] = {}
    for position, amount in enumerate(ordered, start=1):
        first.setdefault(amount, position)
    return [first[a] for a in amounts]


def results(reader: Reader, cycle: int) -> dict[str, Any]:
    status = approval(reader, cycle)
    if status is None:
        raise NotFound(f"cycle {cycle} has no approved results")
    previous = previous_approved(reader, cycle)
    grants = allocated_by_commune(reader, cycle)
    before = allocated_by_commune(reader, previous) if previous is not None else None
    reference = communes(reader)
    found = allocations.recomputed(reader, cycle)
    windows = (_from_result(found[0], grants) if found is not None
               else _from_stored(allocations.allocation(reader, cycle), grants, reference,
                                 census(reader, cycle)))
    for window in windows:
        _finish(window["communes"], before, reference)
    return {"cycle": cycle, "status": status, "previous_cycle": previous, "windows": windows}


def _from_result(result: CycleResult, grants: dict[str, int]) -> list[dict[str, Any]]:
    ids = [condition.id for condition in result.ruleset.conditions]
    return [{"window": w.window.id, "mode": w.window.mode,
             "communes": [_commune(w, c, grants, ids) for c in w.communes]}
            for w in result.windows]


def _commune(window: WindowResult, c: CommuneResult, grants: dict[str, int],
             ids: list[str]) -> dict[str, Any]:
    given = c.assessment.conditions if c.assessment else None
    line: dict[str, Any] = {
        "code": c.code, "population": c.population, "score": c.score,
        "conditions_met": None if given is None else sum(given.get(i) is True for i in ids),
        "conditions_total": None if given is None else len(ids),
        "grant": grants.get(c.code, 0)}
    if window.window.mode == "performance":
        line["points_by_area"] = _areas(window, c)
    return line


def _areas(window: WindowResult, c: CommuneResult) -> dict[str, int] | None:
    if c.standing.score is None:
        return None
    areas: dict[str, int] = {}
    for indicator in window.window.indicators:
        area = indicator.area or "other"
        areas[area] = areas.get(area, 0) + c.standing.score.points[indicator.id]
    return areas


def _from_stored(data: dict[str, Any], grants: dict[str, int],
                 reference: dict[str, Commune], year: int) -> list[dict[str, Any]]:
    """A ledger without the pipeline's inputs: no conditions nor points to show."""

    def population(code: str) -> int | None:
        known = reference.get(code)
        return known.population.get(year) if known else None

    return [{"window": w["window"], "mode": None, "communes": [
        {"code": r["code"], "population": population(r["code"]), "score": r["score"],
         "conditions_met": None, "conditions_total": None, "grant": grants.get(r["code"], 0)}
        for r in w["communes"]]} for w in data["windows"]]


def _finish(lines: list[dict[str, Any]], before: dict[str, int] | None,
            reference: dict[str, Commune]) -> None:
    """Names, rank, per inhabitant and change; money as decimal strings."""
    for line, rank in zip(lines, ranks([line["grant"] for line in lines]), strict=True):
        known = reference.get(line["code"])
        grant = line["grant"]
        previous = None if before is None else before.get(line["code"], 0)
        line.update(
            name_fr=known.name_fr if known else None, name_ar=known.name_ar if known else None,
            region=known.region if known else None, province=known.province if known else None,
            rank=rank, grant=money.text(grant),
            per_capita=per_capita(grant, line.pop("population")),
            change=None if previous is None else money.text(grant - previous))
    lines.sort(key=lambda line: (line["rank"], line["code"]))
