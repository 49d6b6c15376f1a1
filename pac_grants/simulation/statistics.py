"""Totals of one side of a simulation, and the comparison by region and province.

Money stays whole MAD (as ``allocate``). Statistics are exact decimals, never floats:
the per-capita grant (MAD per inhabitant of the ruleset's census) to 2 places, the Gini
coefficient of per-capita grants and the top-10 share to 4. They cover eligible communes,
unweighted (README.md "Simulation before a cycle"); a commune of population 0 has no per-capita
grant and is left out of those two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from pac_grants.rules.engine import CommuneResult, CycleResult
from pac_grants.simulation.compare import Row, by_code, capped

CENTS = Decimal("0.01")
RATIO = Decimal("0.0001")


def side_totals(result: CycleResult) -> dict[str, Any]:
    """Pool, allocated, unallocated, eligible, capped, top-10 share, per capita, Gini."""
    communes = list(by_code(result).values())
    eligible = [c for c in communes if c.eligible]
    per_capita = sorted(Decimal(c.amount) / c.population for c in eligible if c.population > 0)
    pool = sum(w.pool for w in result.windows)
    allocated = sum(w.allocated for w in result.windows)
    top = sum(sorted((c.amount for c in communes), reverse=True)[:10])
    return {
        "pool": pool, "allocated": allocated, "unallocated": pool - allocated,
        "communes": len(communes), "eligible": len(eligible),
        "capped": sum(1 for c in communes if capped(c)),
        "top10_share": _ratio(Decimal(top) / allocated) if allocated else None,
        "per_capita": {"min": _cents(per_capita[0]) if per_capita else None,
                       "median": _cents(median(per_capita)) if per_capita else None,
                       "max": _cents(per_capita[-1]) if per_capita else None},
        "gini": _ratio(gini(per_capita)) if per_capita else None,
        "windows": [{"window": w.window.id, "pool": w.pool, "allocated": w.allocated,
                     "unallocated": w.unallocated, "eligible": w.eligible_count,
                     "capped": sum(1 for c in w.communes if capped(c))}
                    for w in result.windows],
    }


def median(ordered: Sequence[Decimal]) -> Decimal:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def gini(ordered: Sequence[Decimal]) -> Decimal:
    """G = sum((2i - n - 1) x_i) / (n sum x_i), x ascending, i from 1; 0 when all are 0."""
    n, total = len(ordered), sum(ordered, Decimal(0))
    if not total:
        return Decimal(0)
    weighted = sum(((2 * i - n - 1) * x for i, x in enumerate(ordered, start=1)), Decimal(0))
    return weighted / (n * total)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENTS)


def _ratio(value: Decimal) -> Decimal:
    return value.quantize(RATIO)


def changes_summary(rows: Sequence[Row]) -> dict[str, Any]:
    """How many gain, lose, stay; by how much; eligibility and cap movements."""
    gains = [r for r in rows if r.difference > 0]
    losses = [r for r in rows if r.difference < 0]
    codes = [c.code for r in rows for c in r.changes]
    return {
        "gain": len(gains), "lose": len(losses), "same": len(rows) - len(gains) - len(losses),
        "gained": sum(r.difference for r in gains), "lost": -sum(r.difference for r in losses),
        "largest_gain": _extreme(gains, max), "largest_loss": _extreme(losses, min),
        **{code: codes.count(code) for code in
           ("became_eligible", "became_ineligible", "now_capped", "no_longer_capped",
            "window_changed", "assessment_invalid")},
    }


def _extreme(rows: Sequence[Row], pick: Callable[..., Row]) -> dict[str, Any] | None:
    if not rows:
        return None
    row = pick(rows, key=lambda r: (r.difference, r.code))
    return {"code": row.code, "difference": row.difference}


def grouped(rows: Sequence[Row], *keys: str) -> list[dict[str, Any]]:
    """Base and variant amounts and eligible counts per region (or region and province)."""
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        commune = row.base.commune
        groups.setdefault(tuple(getattr(commune, k) for k in keys), []).append(row)
    return [dict(zip(keys, key, strict=True)) | _group(members)
            for key, members in sorted(groups.items())]


def _group(members: list[Row]) -> dict[str, Any]:
    base = sum(r.base.amount for r in members)
    variant = sum(r.variant.amount for r in members)
    return {"communes": len(members), "base_eligible": _count(members, "base"),
            "variant_eligible": _count(members, "variant"),
            "base_amount": base, "variant_amount": variant, "difference": variant - base}


def _count(members: list[Row], side: str) -> int:
    return sum(1 for r in members if _side(r, side).eligible)


def _side(row: Row, side: str) -> CommuneResult:
    found: CommuneResult = getattr(row, side)
    return found
