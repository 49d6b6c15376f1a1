"""The field types of the events (docs/events.md s2), with their checks.

Numbers arrive as exact decimals of their JSON text (``models.decode`` parses with
``parse_float=Decimal``), so 0.7 is 7/10 here too. Validators raise ``invalid_value`` /
``value_out_of_range`` errors for business values; any other validation failure is a
``schema_violation``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainValidator,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from pac_grants.rules.scoring import BigJsonInt

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
    could show its neighbour's code reversed); a name never needs one."""
    found = _BIDI_CONTROLS.search(value)
    if found is not None:
        raise _invalid(f"U+{ord(found.group()):04X} (a right-to-left override or isolate "
                       "character) is not allowed in text")
    return value


# Each type that a custom validator checks states its JSON Schema beside it, so that the
# published schemas (docs/schemas/, ``pac-grants schema``) say what the validator enforces.
Text = Annotated[StrictStr, Field(min_length=1, max_length=200),
                 AfterValidator(_no_bidi_controls)]
CommuneCode = Annotated[StrictStr, Field(min_length=1, max_length=32)]
EventId = Annotated[str, BeforeValidator(_event_id), WithJsonSchema(
    {"type": "string", "format": "uuid", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-"
     "[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"})]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp), WithJsonSchema(
    {"type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt]"
     "[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"})]
Day = Annotated[date, BeforeValidator(_day), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})]
WholeMad = Annotated[int, BeforeValidator(_whole_mad), WithJsonSchema(
    {"type": "integer", "minimum": 0, "maximum": MAX_MAD})]
Cycle = StrictInt  # a cycle without a packaged ruleset is unknown_cycle (models.decode)
Revision = Annotated[StrictInt, AfterValidator(_revision), BeforeValidator(_not_huge),
                     WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_REVISION})]
Inhabitants = Annotated[int, BeforeValidator(_population), WithJsonSchema(
    {"type": "integer", "minimum": 0, "maximum": 10**9})]
BudgetMad = Annotated[Decimal, BeforeValidator(_budget), WithJsonSchema(
    {"type": "number", "minimum": 0, "maximum": MAX_MAD})]
#: A decimal string > 0 with at most 2 decimals, at most MAX_MAD (``_payment``).
PaymentMad = Annotated[Decimal, BeforeValidator(_payment), WithJsonSchema(
    {"type": "string", "pattern": "^(?!0+(\\.0{1,2})?$)([0-9]{1,15}(\\.[0-9]{1,2})?"
     "|1000000000000000(\\.0{1,2})?)$"})]
# Checked against the cycle's ruleset by models.decode (missing, unknown, wrong type).
_IDS = {"minLength": 1, "maxLength": 200}
Conditions = Annotated[dict[Text, Any], WithJsonSchema(
    {"type": "object", "propertyNames": _IDS, "additionalProperties": {"type": "boolean"}})]
Indicators = Annotated[dict[Text, Any], WithJsonSchema(
    {"type": "object", "propertyNames": _IDS,
     "additionalProperties": {"type": ["boolean", "number", "string"]}})]


@dataclass(frozen=True)
class Pool:
    """A window's pool: its total in whole MAD and, when co-financed, each financier's
    part (docs/events.md "CycleOpened"); the parts sum to the total."""

    total: int
    financiers: tuple[tuple[str, int], ...] = ()


def _pool(value: object) -> Pool:
    if not isinstance(value, dict):
        return Pool(_whole_mad(value))
    if set(value) != {"total", "financiers"}:
        raise PydanticCustomError("schema_violation", "a co-financed pool is "
                                  '{"total": MAD, "financiers": {name: MAD, ...}}')
    total, parts = _whole_mad(value["total"]), value["financiers"]
    if not isinstance(parts, dict) or not parts:
        raise PydanticCustomError("schema_violation", "financiers must name at least one "
                                  "financier and its part")
    financiers = tuple(sorted((_financier(name), _whole_mad(part)) for name, part in parts.items()))
    if sum(part for _name, part in financiers) != total:
        raise _invalid(f"the financiers' parts sum to {sum(p for _n, p in financiers)}, "
                       f"not the total {total}")
    return Pool(total, financiers)


def _financier(name: object) -> str:
    if not isinstance(name, str) or not _FINANCIER.fullmatch(name):
        raise PydanticCustomError("schema_violation", "a financier's name is 1 to 64 letters, "
                                  "digits or _ (world_bank, afd, state)")
    return name


_FINANCIER = re.compile(r"[a-z0-9_]{1,64}")
_MAD_SCHEMA = {"type": "integer", "minimum": 0, "maximum": MAX_MAD}
PoolMad = Annotated[Pool, PlainValidator(_pool), WithJsonSchema({"oneOf": [
    _MAD_SCHEMA,
    {"type": "object", "required": ["total", "financiers"], "additionalProperties": False,
     "properties": {"total": _MAD_SCHEMA, "financiers": {
         "type": "object", "minProperties": 1, "additionalProperties": _MAD_SCHEMA,
         "propertyNames": {"pattern": "^[a-z0-9_]{1,64}$"}}}}]})]
