"""Allocation results as the JSON of docs/cli.md s2 (``pac-grants allocate``) and of
``pac.allocations.v1``. Amounts are integers in MAD; communes sorted by code."""

from __future__ import annotations

from typing import Any

from pac_grants.rules.engine import CommuneResult, CycleResult, WindowResult


def commune_json(result: CommuneResult) -> dict[str, Any]:
    return {
        "code": result.code,
        "eligible": result.eligible,
        "reasons": list(result.standing.reasons),
        "failed_conditions": list(result.standing.failed_conditions),
        "score": result.score,
        "capped": bool(result.share and result.share.capped),
        "amount": result.amount,
    }


def window_json(window: WindowResult) -> dict[str, Any]:
    return {
        "window": window.window.id,
        "pool": window.pool,
        "allocated": window.allocated,
        "unallocated": window.unallocated,
        "communes": [commune_json(c) for c in window.communes],
    }


def cycle_json(result: CycleResult) -> dict[str, Any]:
    """Exactly the shape of ``pac-grants allocate --format json`` (docs/cli.md s2)."""
    ruleset = result.ruleset
    return {
        "cycle": result.cycle,
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest},
        "windows": [window_json(w) for w in result.windows],
    }


def published_json(result: CycleResult, status: str) -> dict[str, Any]:
    """The record of ``pac.allocations.v1``: the allocate shape plus status, inputs digest
    and the assessments held until their commune is registered (docs/events.md s8.1)."""
    return cycle_json(result) | {
        "status": status,
        "inputs_digest": result.inputs_digest,
        "held_assessments": [{"commune_code": a.commune_code, "event_id": a.event_id,
                              "revision": a.revision} for a in result.held],
    }
