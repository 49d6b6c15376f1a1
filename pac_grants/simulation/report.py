"""A simulation as data: the JSON of ``pac-grants simulate`` and of the API route.

The shape is that of ``simulate`` in docs/cli.md s3.7 (cycle, base and variant rulesets, a row per
commune, totals per side) with more beside it: names, scores, reasons and the change in
words per commune, the parameters the variant changes, the movements (gain, lose), and
the comparison by region and province. Amounts are integers in MAD as in ``allocate``;
statistics are :class:`~decimal.Decimal` here, decimal strings in JSON (:func:`plain`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pac_grants.rules.ruleset import Ruleset
from pac_grants.simulation.compare import Row, capped
from pac_grants.simulation.parameters import changed
from pac_grants.simulation.simulate import Simulation
from pac_grants.simulation.statistics import changes_summary, grouped, side_totals


def simulation_data(sim: Simulation, language: str = "en") -> dict[str, Any]:
    """Everything about one simulation, statistics still as decimals."""
    data: dict[str, Any] = {
        "cycle": sim.cycle,
        "base": {"ruleset": ruleset_ref(sim.base.ruleset),
                 "inputs_digest": sim.base.inputs_digest},
        "variant": {"ruleset": ruleset_ref(sim.variant.ruleset),
                    "inputs_digest": sim.variant.inputs_digest},
        "parameters": changed(sim.base.ruleset, sim.variant.ruleset),
        "communes": [row_data(r, language) for r in sim.rows],
        "totals": {
            "base": side_totals(sim.base), "variant": side_totals(sim.variant),
            "changes": changes_summary(sim.rows),
            "by_region": grouped(sim.rows, "region"),
            "by_province": grouped(sim.rows, "region", "province"),
        },
    }
    if sim.vary is not None:
        data["vary"] = {"path": sim.vary[0], "value": sim.vary[1]}
    return data


def ruleset_ref(ruleset: Ruleset) -> dict[str, Any]:
    return {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest}


def row_data(row: Row, language: str = "en") -> dict[str, Any]:
    commune = row.base.commune
    return {
        "code": row.code, "name_fr": commune.name_fr, "name_ar": commune.name_ar,
        "region": commune.region, "province": commune.province, "window": row.window,
        "base_window": row.base.window, "variant_window": row.variant.window,
        "base_amount": row.base.amount, "variant_amount": row.variant.amount,
        "difference": row.difference,
        "base_eligible": row.base.eligible, "variant_eligible": row.variant.eligible,
        "base_capped": capped(row.base), "variant_capped": capped(row.variant),
        "base_score": row.base.score, "variant_score": row.variant.score,
        "base_reasons": list(row.base.standing.reasons),
        "variant_reasons": list(row.variant.standing.reasons),
        "changes": [c.code for c in row.changes],
        "explanation": row.explanation(language),
    }


def plain(value: Any) -> Any:
    """The data with every decimal as its text (JSON keeps exact decimals as strings)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def simulation_json(sim: Simulation, language: str = "en") -> dict[str, Any]:
    return plain(simulation_data(sim, language))
