"""The Kafka contract (events.md): pydantic v2 models of every input event.

Frozen, unknown fields forbidden. Numbers arrive as exact decimals of their JSON text
(``models.decode`` parses with ``parse_float=Decimal``), so 0.7 is 7/10 here too. Field
validators raise ``invalid_value`` / ``value_out_of_range`` errors for business values;
any other validation failure is a ``schema_violation``.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)
from pydantic_core import PydanticCustomError

from pac_grants.rules.scoring import BigJsonInt
from pac_grants.rules.types import Assessment, Commune

MAX_MAD = 10**15  # beyond any pool; keeps centimes inside a 64-bit integer column


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_value", message)


def _out_of_range(message: str) -> PydanticCustomError:
    return PydanticCustomError("value_out_of_range", message)


def _event_id(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("schema_violation", "event_id must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PydanticCustomError("schema_violation", "event_id is not a UUID") from None


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str) or "T" not in value.upper():
        raise PydanticCustomError("schema_violation", "occurred_at must be an RFC 3339 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("schema_violation", "occurred_at is not RFC 3339") from None
    if moment.tzinfo is None:
        raise PydanticCustomError("schema_violation", "occurred_at needs a time zone (Z, +01:00)")
    return moment


def _day(value: object) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise _invalid("a date must be written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{value} is not a calendar date") from None


def _whole_mad(value: object) -> int:
    if isinstance(value, BigJsonInt):
        raise _out_of_range(f"a {len(str(value))}-digit number is outside [0, {MAX_MAD}]")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{value} is not a whole number of MAD")
    if not 0 <= value <= MAX_MAD:
        raise _out_of_range(f"{value} is outside [0, {MAX_MAD}]")
    return value


def _budget(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _invalid(f"{value} is not a number of MAD")
    number = Decimal(value)
    if not number.is_finite() or not 0 <= number <= MAX_MAD:
        raise _out_of_range(f"{value} is outside [0, {MAX_MAD}]")
    return number


def _payment(value: object) -> Decimal:
    if not isinstance(value, str) or not re.fullmatch(r"-?[0-9]{1,16}(\.[0-9]{1,2})?", value):
        raise _invalid("amount_mad must be a decimal string with at most 2 decimals, "
                       'like "4500000.00"')
    amount = Decimal(value)
    if not 0 < amount <= MAX_MAD:
        raise _out_of_range(f"{value} must be > 0 and at most {MAX_MAD}")
    return amount


MAX_REVISION = 2**31 - 1  # a 32-bit column everywhere; no assessment is revised that often


def _not_huge(value: object) -> object:
    if isinstance(value, BigJsonInt):
        raise _out_of_range(f"a {len(str(value))}-digit number is outside [1, {MAX_REVISION}]")
    return value


def _revision(value: int) -> int:
    if not 1 <= value <= MAX_REVISION:
        raise _out_of_range(f"{value} is outside [1, {MAX_REVISION}]")
    return value


def _population(value: object) -> int:
    if isinstance(value, BigJsonInt):
        raise _out_of_range(f"a {len(str(value))}-digit number is outside [0, 1000000000]")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{value} is not a whole number of inhabitants")
    if not 0 <= value <= 10**9:
        raise _out_of_range(f"{value} is outside [0, 1000000000]")
    return value


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _no_bidi_controls(value: str) -> str:
    """Embeddings, overrides and isolates reorder what follows them on screen (a name
    could show its neighbour's code reversed); a name never needs one (issue 12)."""
    found = _BIDI_CONTROLS.search(value)
    if found is not None:
        raise _invalid(f"U+{ord(found.group()):04X} (a right-to-left override or isolate "
                       "character) is not allowed in text")
    return value


Text = Annotated[StrictStr, Field(min_length=1, max_length=200), AfterValidator(_no_bidi_controls)]
EventId = Annotated[str, BeforeValidator(_event_id)]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]
Day = Annotated[date, BeforeValidator(_day)]
WholeMad = Annotated[int, BeforeValidator(_whole_mad)]
Cycle = StrictInt  # a cycle without a packaged ruleset is unknown_cycle (models.decode)
Revision = Annotated[StrictInt, AfterValidator(_revision), BeforeValidator(_not_huge)]


class Event(BaseModel):
    """The common envelope (events.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: EventId
    event_type: str
    schema_version: Literal[1]
    occurred_at: Timestamp
    source: Annotated[StrictStr, Field(min_length=1, max_length=64)]


class Population(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    census_2014: Annotated[int, BeforeValidator(_population)] = Field(alias="2014")
    census_2024: Annotated[int, BeforeValidator(_population)] = Field(alias="2024")


class CommuneRegistered(Event):
    event_type: Literal["CommuneRegistered"]
    code: Annotated[StrictStr, Field(min_length=1, max_length=32)]
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
    pools: dict[Text, WholeMad]


class PoolAdjusted(Event):
    event_type: Literal["PoolAdjusted"]
    cycle: Cycle
    window: Text
    pool_mad: WholeMad


class CycleClosed(Event):
    event_type: Literal["CycleClosed"]
    cycle: Cycle


class AssessmentSubmitted(Event):
    event_type: Literal["AssessmentSubmitted"]
    assessment_id: Text
    cycle: Cycle
    commune_code: Annotated[StrictStr, Field(min_length=1, max_length=32)]
    revision: Revision
    assessed_on: Day
    assessor: Text
    investment_budget_mad: Annotated[Decimal, BeforeValidator(_budget)] | None = None
    conditions: dict[Text, Any]
    indicators: dict[Text, Any] = Field(default_factory=dict)

    def to_domain(self) -> Assessment:
        return Assessment(self.event_id, self.assessment_id, self.cycle, self.commune_code,
                          self.revision, self.conditions, self.indicators,
                          self.investment_budget_mad)


class DisbursementExecuted(Event):
    event_type: Literal["DisbursementExecuted"]
    payment_ref: Text
    cycle: Cycle
    commune_code: Annotated[StrictStr, Field(min_length=1, max_length=32)]
    amount_mad: Annotated[Decimal, BeforeValidator(_payment)]
    paid_on: Day

    @property
    def amount_centimes(self) -> int:
        return int(self.amount_mad * 100)


InputEvent = (CommuneRegistered | CycleOpened | PoolAdjusted | CycleClosed
              | AssessmentSubmitted | DisbursementExecuted)

#: Which event types each input topic carries (events.md topics table).
TOPIC_EVENTS: dict[str, dict[str, type[Event]]] = {
    "communes": {"CommuneRegistered": CommuneRegistered},
    "cycles": {"CycleOpened": CycleOpened, "PoolAdjusted": PoolAdjusted,
               "CycleClosed": CycleClosed},
    "assessments": {"AssessmentSubmitted": AssessmentSubmitted},
    "disbursements": {"DisbursementExecuted": DisbursementExecuted},
}
