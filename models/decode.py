"""Raw Kafka bytes to a valid event or a rejection with its dead-letter code (events.md).

Every code that can be decided from one message alone is decided here, in this order:
size, UTF-8 and JSON, envelope (event type, schema version), the event's schema, and
the rules of the cycle's packaged ruleset. Codes that need state (stale or conflicting
revisions, unknown communes, outstanding balances, ...) are the pipeline's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from models.events import (
    AssessmentSubmitted,
    CycleOpened,
    Event,
    PoolAdjusted,
)
from models.topics import TOPIC_EVENTS, InputEvent
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset, packaged_ruleset_by_id
from pac_grants.rules.scoring import AssessmentInvalid, BigJsonInt, check_assessment, show

MAX_MESSAGE_BYTES = 64 * 1024
MAX_STRING = 200
MAX_DEPTH = 16
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CUSTOM_CODES = {"invalid_value", "value_out_of_range", "schema_violation"}


@dataclass(frozen=True)
class Rejection:
    """Why a message is dead-lettered: a code of events.md, a sentence, the fields."""

    code: str
    message: str
    details: list[dict[str, str]] = field(default_factory=list)

    def as_error(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class _Reject(Exception):
    def __init__(self, rejection: Rejection) -> None:
        self.rejection = rejection


def reject(code: str, message: str, field_name: str | None = None,
           value: object = None) -> _Reject:
    details = [] if field_name is None else [{"field": field_name} | (
        {} if value is None else {"value": show(value)})]
    return _Reject(Rejection(code, message, details))


RulesetFor = Callable[[int], Ruleset | None]


def decode(raw: bytes | None, topic: str, ruleset_for: RulesetFor = packaged_ruleset
           ) -> InputEvent | Rejection:
    """Decode one message of an input topic (``communes``, ``cycles``, ...)."""
    try:
        event = _validate(parse_json(raw), topic)
        _check_rules(event, ruleset_for)
        return event
    except _Reject as rejected:
        return rejected.rejection


def parse_json(raw: bytes | None) -> dict[str, Any]:
    """Exact JSON: floats as Decimal, no NaN/Infinity, no duplicate keys, bounded strings."""
    if raw is None:
        raise reject("malformed_json", "the message has no value (a tombstone or empty record)")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise reject("message_too_large", f"the message is {len(raw)} bytes; the limit is "
                     f"{MAX_MESSAGE_BYTES} bytes (64 KiB)")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_float=Decimal, parse_int=_parse_int,
                          parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as exc:
        raise reject("malformed_json", f"the message is not UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:
        raise reject("malformed_json", f"the message is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise reject("schema_violation", "the message must be one JSON object")
    _check_strings(data, "")
    return data


def _parse_int(text: str) -> int | Decimal:
    return int(text) if len(text) <= 4000 else BigJsonInt(text)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _too_deep() -> _Reject:
    return reject("schema_violation", f"the message nests deeper than {MAX_DEPTH} levels; "
                  "no event of version 1 nests more than 3")


def _check_strings(value: object, path: str, depth: int = 0) -> None:
    """Bound every string (events.md: 200 characters) and the nesting depth."""
    if depth > MAX_DEPTH:
        raise _too_deep()
    if isinstance(value, str):
        _check_string(value, path)
    if isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, path)
            _check_strings(item, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _check_strings(item, f"{path}.{n}", depth + 1)


def _check_string(value: str, path: str) -> None:
    where = path or "a string"
    if len(value) > MAX_STRING:
        raise reject("schema_violation", f"{where} is {len(value)} characters long; strings "
                     f"are limited to {MAX_STRING}", path or None)
    if _CONTROL.search(value):
        raise reject("schema_violation", f"{where} contains a control character (U+0000 to "
                     "U+001F other than tab and line breaks); text fields cannot hold them",
                     path or None)


def _validate(data: dict[str, Any], topic: str) -> InputEvent:
    kinds = TOPIC_EVENTS.get(topic)
    if kinds is None:
        raise ValueError(f"not an input topic: {topic!r} (one of {', '.join(TOPIC_EVENTS)})")
    event_type = data.get("event_type")
    if not isinstance(event_type, str):
        raise reject("schema_violation", "event_type is missing or not a string", "event_type")
    if event_type not in kinds:
        raise reject("unknown_event_type", f"event type {event_type!r} is not accepted on the "
                     f"{topic} topic (expected {', '.join(kinds)})", "event_type", event_type)
    _check_version(data.get("schema_version", _ABSENT))
    try:
        return kinds[event_type].model_validate(data)  # type: ignore[return-value]
    except ValidationError as exc:
        raise _from_validation(exc) from None


_ABSENT = object()


def _check_version(version: object) -> None:
    """Only the JSON integer 1 (events.md): ``true`` or ``"1"`` is not a version number."""
    if version is _ABSENT:
        raise reject("schema_violation", "field 'schema_version' is required", "schema_version")
    if isinstance(version, bool) or not isinstance(version, int | Decimal):
        raise reject("schema_violation", "schema_version must be the JSON integer 1",
                     "schema_version", show(version))
    if isinstance(version, Decimal) or version != 1:
        raise reject("unsupported_schema_version", f"schema_version {version} is not "
                     "supported; this calculator reads version 1", "schema_version", version)


def _from_validation(exc: ValidationError) -> _Reject:
    error = exc.errors(include_url=False)[0]
    field_name = ".".join(str(part) for part in error["loc"]) or None
    code = error["type"] if error["type"] in _CUSTOM_CODES else "schema_violation"
    if error["type"] == "extra_forbidden":
        message = f"unknown field {field_name!r}: version 1 of this event does not have it"
    elif error["type"] == "missing":
        message = f"field {field_name!r} is required"
    else:
        message = f"{field_name}: {error['msg']}" if field_name else error["msg"]
    value = error.get("input") if code != "schema_violation" else None
    return reject(code, message, field_name, value if isinstance(value, str | int) else None)


def _check_rules(event: Event, ruleset_for: RulesetFor) -> None:
    cycle = getattr(event, "cycle", None)
    if cycle is None:  # CommuneRegistered: no cycle, no ruleset
        return
    ruleset = ruleset_for(cycle)
    if ruleset is None:
        raise reject("unknown_cycle", f"cycle {cycle} has no ruleset in this calculator",
                     "cycle", cycle)
    if isinstance(event, CycleOpened):
        _check_opening(event, ruleset)
    elif isinstance(event, PoolAdjusted) and ruleset.window(event.window) is None:
        raise reject("unknown_window", f"window {event.window!r} is not a window of "
                     f"{ruleset.id}", "window", event.window)
    elif isinstance(event, AssessmentSubmitted):
        try:
            check_assessment(ruleset, event.to_domain(), None)
        except AssessmentInvalid as exc:
            raise reject(exc.code, exc.message, exc.field, exc.value) from None


def _check_opening(event: CycleOpened, ruleset: Ruleset) -> None:
    if event.ruleset_id != ruleset.id:
        try:
            packaged_ruleset_by_id(event.ruleset_id)
        except ValueError:
            raise reject("unknown_cycle", f"ruleset {event.ruleset_id!r} is not known to this "
                         "calculator", "ruleset_id", event.ruleset_id) from None
        raise reject("invalid_value", f"ruleset {event.ruleset_id!r} is not the ruleset of "
                     f"cycle {event.cycle} ({ruleset.id})", "ruleset_id", event.ruleset_id)
    for window_id in event.pools:
        if ruleset.window(window_id) is None:
            raise reject("unknown_window", f"pool for window {window_id!r}, which is not a "
                         f"window of {ruleset.id}", f"pools.{window_id}", window_id)
    for window in ruleset.windows:
        if window.id not in event.pools:
            raise reject("schema_violation", f"no pool for window {window.id!r} of {ruleset.id}: "
                         "CycleOpened needs one pool per window", f"pools.{window.id}")
