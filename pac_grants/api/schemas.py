"""Response models of the read API that only the API has (the ledger's are in
:mod:`models.responses`, shared with the CLI). The explanation is docs/rules.md
"Explanation" as ``explain()`` gives it, with its money fields as decimal strings.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from models.responses import CommuneRef, Money, RulesetRef


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Explanation(Model):
    """docs/rules.md s7; ``formula`` money as decimal strings, ``ideal_amount`` unrounded."""

    model_config = ConfigDict(extra="allow", frozen=True)
    cycle: int
    commune: CommuneRef
    ruleset: RulesetRef
    inputs_digest: str
    window: str | None
    population: dict[str, Any]
    assessment: dict[str, Any] | None
    conditions: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    score: int | None
    min_score: int | None
    eligible: bool
    reasons: list[str]
    failed_conditions: list[str]
    formula: dict[str, Any]
    amount: Money
    summary: str


class Health(Model):
    status: Literal["ok"]


class Problem(Model):
    detail: str
