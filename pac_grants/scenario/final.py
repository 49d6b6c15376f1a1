"""The final inputs of a cycle, as the offline engine takes them (docs/rules.md s3-4).

The generator computes final amounts with the same engine the calculator uses, over
exactly the inputs that count once everything is processed, so that its disbursements
never exceed what the ledger will hold (docs/events.md s9, ``exceeds_outstanding``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.ruleset import Ruleset
from pac_grants.rules.types import Assessment, Commune
from pac_grants.scenario.communes import CommuneRow


def to_commune(row: CommuneRow) -> Commune:
    return Commune(row["code"], row["name_fr"], row["name_ar"], row["region"], row["province"],
                   {int(census): count for census, count in row["population"].items()},
                   row["participating"])


def to_assessment(event: Mapping[str, Any]) -> Assessment:
    """An ``AssessmentSubmitted`` event (parsed with exact decimals) as the engine's value."""
    budget = event.get("investment_budget_mad")
    return Assessment(event["event_id"], event["assessment_id"], event["cycle"],
                      event["commune_code"], event["revision"], event["conditions"],
                      event.get("indicators", {}),
                      None if budget is None else Decimal(budget))


def compute(ruleset: Ruleset, communes: list[CommuneRow], events: Mapping[str, Any],
            pools: Mapping[str, int]) -> CycleResult:
    assessments = {code: to_assessment(event) for code, event in events.items()}
    return compute_cycle(ruleset, [to_commune(r) for r in communes], assessments, pools)


def amounts(result: CycleResult) -> dict[str, int]:
    """Final amount (MAD) of every commune that gets something."""
    return {c.code: c.amount for w in result.windows for c in w.communes if c.amount > 0}


def grants(result: CycleResult) -> dict[str, int]:
    """Each commune's grant in centimes, over its windows (docs/rules.md s8.1: a
    commune's orders follow its grant)."""
    out: dict[str, int] = {}
    for window in result.windows:
        for c in window.communes:
            if c.amount > 0:
                out[c.code] = out.get(c.code, 0) + c.amount * 100
    return out
