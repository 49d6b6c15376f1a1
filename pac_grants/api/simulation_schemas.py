"""Response models of the simulation routes (issue 13): the JSON of ``pac-grants simulate``.

Unlike the ledger routes, amounts here are whole MAD integers, as ``allocate`` and
``simulate`` print them (docs/cli.md s2, s3.7); statistics are decimal strings (per capita to
2 places, shares and the Gini coefficient to 4), null when no commune is eligible.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PerCapita = Annotated[str | None, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["175.98"])]
Ratio = Annotated[str | None, Field(pattern=r"^-?[0-9]+\.[0-9]{4}$", examples=["0.1631"])]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesetRef(Model):
    id: str
    version: int
    digest: str


class Side(Model):
    ruleset: RulesetRef
    inputs_digest: str


class Parameter(Model):
    """A parameter the variant changes (a ``--vary`` path); null where a side lacks it."""

    path: str
    base: str | None
    variant: str | None


class CommuneDifference(Model):
    code: str
    name_fr: str
    name_ar: str
    region: str
    province: str
    window: str | None
    base_window: str | None
    variant_window: str | None
    base_amount: int
    variant_amount: int
    difference: int
    base_eligible: bool
    variant_eligible: bool
    base_capped: bool
    variant_capped: bool
    base_score: int | None
    variant_score: int | None
    base_reasons: list[str] = Field(description="Rule reasons (docs/rules.md s3) under the base.")
    variant_reasons: list[str]
    changes: list[str] = Field(description="Change codes, in the order they are told.")
    explanation: str = Field(description="The changes in words.")


class PerCapitaStats(Model):
    min: PerCapita
    median: PerCapita
    max: PerCapita


class WindowTotals(Model):
    window: str
    pool: int
    allocated: int
    unallocated: int
    eligible: int
    capped: int


class SideTotals(Model):
    pool: int
    allocated: int
    unallocated: int
    communes: int
    eligible: int
    capped: int
    top10_share: Ratio = Field(description="Share of the allocated money of the 10 largest.")
    per_capita: PerCapitaStats
    gini: Ratio = Field(description="Gini coefficient of per-capita grants, eligible communes.")
    windows: list[WindowTotals]


class Extreme(Model):
    code: str
    difference: int


class Movements(Model):
    gain: int
    lose: int
    same: int
    gained: int
    lost: int
    largest_gain: Extreme | None
    largest_loss: Extreme | None
    became_eligible: int
    became_ineligible: int
    now_capped: int
    no_longer_capped: int
    window_changed: int
    assessment_invalid: int


class Group(Model):
    region: str
    communes: int
    base_eligible: int
    variant_eligible: int
    base_amount: int
    variant_amount: int
    difference: int


class ProvinceGroup(Group):
    province: str


class Totals(Model):
    base: SideTotals
    variant: SideTotals
    changes: Movements
    by_region: list[Group]
    by_province: list[ProvinceGroup]


class Vary(Model):
    path: str
    value: str


class Simulation(Model):
    cycle: int
    base: Side
    variant: Side
    parameters: list[Parameter]
    communes: list[CommuneDifference]
    totals: Totals
    vary: Vary | None = None


class RulesetEntry(Model):
    id: str
    version: int
    cycle: int
    digest: str
    origin: Literal["packaged", "stored"]
    reference: str = Field(description="The name to give as ?variant=: the id when no other "
                                       "ruleset has it, else the digest's first 12 digits.")
    source: str | None
    added_at: str | None


class Rulesets(Model):
    rulesets: list[RulesetEntry]


class Problem(Model):
    """A refused request: ``detail`` is the reason (a sentence), or FastAPI's list of
    parameter errors."""

    detail: str | list[dict[str, Any]]
