"""The Kafka contract (docs/events.md): pydantic v2 models of every input event.

Frozen, unknown fields forbidden; the field types and their checks are in
:mod:`models.fields`; the governance events (notification, complaints, reopening) are in
:mod:`models.governance`, and :mod:`models.topics` says which topic carries which.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from models.fields import (
    BudgetMad,
    CommuneCode,
    Conditions,
    Cycle,
    Day,
    EventId,
    Indicators,
    Inhabitants,
    PaymentMad,
    PoolMad,
    Revision,
    Text,
    Timestamp,
)
from pac_grants.rules.types import Assessment, Commune


class Event(BaseModel):
    """The common envelope (docs/events.md s2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: EventId
    event_type: str
    schema_version: Literal[1]
    occurred_at: Timestamp
    source: Annotated[StrictStr, Field(min_length=1, max_length=64)]


class Population(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    census_2014: Inhabitants = Field(alias="2014")
    census_2024: Inhabitants = Field(alias="2024")


class CommuneRegistered(Event):
    event_type: Literal["CommuneRegistered"]
    code: CommuneCode
    name_fr: Text
    name_ar: Text
    region: Text
    province: Text
    population: Population
    participating: StrictBool

    def to_domain(self) -> Commune:
        populations = {2014: self.population.census_2014, 2024: self.population.census_2024}
        return Commune(self.code, self.name_fr, self.name_ar, self.region, self.province,
                       populations, self.participating)


class CycleOpened(Event):
    event_type: Literal["CycleOpened"]
    cycle: Cycle
    ruleset_id: Text
    pools: dict[Text, PoolMad]


class PoolAdjusted(Event):
    event_type: Literal["PoolAdjusted"]
    cycle: Cycle
    window: Text
    pool_mad: PoolMad


class CycleClosed(Event):
    """The approval: the allocation becomes final (docs/events.md s4.4).

    ``closed_on`` may be absent (compatibility with the first version of this event): it
    is then the date of ``occurred_at`` in its own offset. ``inputs_digest``: the digest
    of the results it approves (as ``ResultsNotified`` published them)."""

    event_type: Literal["CycleClosed"]
    cycle: Cycle
    closed_on: Day | None = None
    decision_ref: Text | None = None
    approved_by: Text | None = None
    inputs_digest: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")] | None = None

    @property
    def approval_date(self) -> date:
        return self.closed_on or self.occurred_at.date()


class AssessmentSubmitted(Event):
    event_type: Literal["AssessmentSubmitted"]
    assessment_id: Text
    cycle: Cycle
    commune_code: CommuneCode
    revision: Revision
    assessed_on: Day
    assessor: Text
    investment_budget_mad: BudgetMad | None = None
    conditions: Conditions
    indicators: Indicators = Field(default_factory=dict)

    def to_domain(self) -> Assessment:
        return Assessment(self.event_id, self.assessment_id, self.cycle, self.commune_code,
                          self.revision, self.conditions, self.indicators,
                          self.investment_budget_mad)


class DisbursementExecuted(Event):
    event_type: Literal["DisbursementExecuted"]
    payment_ref: Text
    cycle: Cycle
    commune_code: CommuneCode
    amount_mad: PaymentMad
    paid_on: Day
    order_id: Text | None = None  # the payment order it settles (docs/events.md s7.1)

    @property
    def amount_centimes(self) -> int:
        return int(self.amount_mad * 100)


class RecoveryReceived(Event):
    """A commune paid back money it owed on a cycle (docs/events.md s7.2)."""

    event_type: Literal["RecoveryReceived"]
    recovery_ref: Text
    cycle: Cycle
    commune_code: CommuneCode
    amount_mad: PaymentMad
    received_on: Day

    @property
    def amount_centimes(self) -> int:
        return int(self.amount_mad * 100)
