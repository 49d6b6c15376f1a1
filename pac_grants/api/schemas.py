"""Response models of the read API: its OpenAPI description (issue 7).

Money is a decimal string with two decimals, as in the ledger commands (interfaces.md
"Ledger read commands"); ``/cycles`` and ``/balances`` have exactly the shapes of
``pac-grants ledger summary|balances --format json``. The explanation is rules.md s7 as
``explain()`` gives it, with its money fields as decimal strings too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["4500000.00"])]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowSummary(Model):
    window: str
    pool: Money
    allocated: Money
    unallocated: Money
    paid: Money
    eligible: int | None


class CycleSummary(Model):
    cycle: int
    status: Literal["open", "closed"]
    windows: list[WindowSummary]


class Cycles(Model):
    cycles: list[CycleSummary]


class CommuneBalance(Model):
    code: str
    window: str | None
    allocated: Money
    paid: Money
    outstanding: Money
    name_fr: str | None
    name_ar: str | None


class Balances(Model):
    cycle: int
    communes: list[CommuneBalance]


class AllocationRow(Model):
    code: str
    name_fr: str | None
    name_ar: str | None
    region: str | None
    eligible: bool
    reasons: list[str]
    failed_conditions: list[str]
    score: int | None
    capped: bool
    amount: Money = Field(description="The rules' amount over the latest inputs (rules.md s4).")
    ledger_allocated: Money = Field(description="Allocation + adjustments in the ledger.")
    paid: Money
    outstanding: Money


class AllocationWindow(Model):
    window: str
    pool: Money
    allocated: Money
    unallocated: Money
    eligible: int
    communes: list[AllocationRow]


class RulesetRef(Model):
    id: str | None
    version: int | None
    digest: str | None


class Allocation(Model):
    cycle: int
    status: Literal["provisional", "final"]
    source: Literal["recomputed", "stored"] = Field(
        description="recomputed from the pipeline's input state, or the latest stored result"
    )
    ruleset: RulesetRef
    inputs_digest: str | None
    windows: list[AllocationWindow]


class RunningBalance(Model):
    allocated: Money
    paid: Money
    outstanding: Money


class StatementEntry(Model):
    sequence: int
    transaction: str
    kind: Literal["envelope", "allocation", "adjustment", "disbursement"]
    cycle: int
    window: str | None
    effective_date: str
    reason: str
    allocated: Money
    paid: Money
    outstanding: Money
    balance: RunningBalance


class CommuneRef(Model):
    code: str
    name_fr: str | None
    name_ar: str | None


class Statement(Model):
    commune: CommuneRef
    cycle: int | None
    entries: list[StatementEntry]


class Explanation(Model):
    """rules.md s7; ``formula`` money as decimal strings, ``ideal_amount`` unrounded."""

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


class DeadLetter(Model):
    id: int
    received_at: datetime
    source_topic: str
    partition: int
    offset: int
    key: str | None
    raw_value: str
    encoding: str
    code: str
    message: str
    details: Any


class DeadLetters(Model):
    dead_letters: list[DeadLetter]


class Health(Model):
    status: Literal["ok"]


class Problem(Model):
    detail: str
