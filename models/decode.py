"""Raw Kafka bytes to a valid event or a rejection with its dead-letter code (docs/events.md s9).

Every code that can be decided from one message alone is decided here, in this order:
size, UTF-8 and JSON, envelope (event type, schema version), the event's schema, and
the rules of the cycle's packaged ruleset. Codes that need state (stale or conflicting
revisions, unknown communes, outstanding balances, ...) are the pipeline's.

Two paths, one answer: ``decode_strict`` is the reference and says what is wrong;
assessments, nearly all of the traffic, first try ``models.fast_decode``, which accepts
only a message it can prove valid and otherwise hands it to the strict path, so every
rejection (code, sentence, fields) comes from the strict path by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from models.digest import keep_exact_digest
from models.events import (
    AssessmentSubmitted,
    CycleOpened,
    Event,
    PoolAdjusted,
)
from models.fast_decode import quick_assessment
from models.rejection import Rejected, Rejection, reject
from models.strict_json import MAX_DEPTH, MAX_MESSAGE_BYTES, MAX_STRING, parse_json, read_json
from models.topics import TOPIC_EVENTS, InputEvent
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset, packaged_ruleset_by_id
from pac_grants.rules.scoring import AssessmentInvalid, check_assessment, show

__all__ = ["MAX_DEPTH", "MAX_MESSAGE_BYTES", "MAX_STRING", "Rejection", "RulesetFor",
           "decode", "decode_strict", "parse_json", "reject"]

_CUSTOM_CODES = {"invalid_value", "value_out_of_range", "schema_violation"}

RulesetFor = Callable[[int], Ruleset | None]


def decode(raw: bytes | None, topic: str, ruleset_for: RulesetFor = packaged_ruleset
           ) -> InputEvent | Rejection:
    """Decode one message of an input topic (``communes``, ``cycles``, ...)."""
    if topic == "assessments" and raw is not None:
        event = quick_assessment(raw, ruleset_for)
        if event is not None:
            return event
    return decode_strict(raw, topic, ruleset_for)


def decode_strict(raw: bytes | None, topic: str, ruleset_for: RulesetFor = packaged_ruleset
                  ) -> InputEvent | Rejection:
    """The reference decoder: every check in the order of docs/events.md s10 (step 1), the
    first failure named."""
    try:
        data, unusual_numbers = read_json(raw)
        event = _validate(data, topic)
        _check_rules(event, ruleset_for)
    except Rejected as rejected:
        return rejected.rejection
    if unusual_numbers:
        assert raw is not None
        keep_exact_digest(event, raw)
    return event


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
    """Only the JSON integer 1 (docs/events.md s2): ``true`` or ``"1"`` is not a version number."""
    if version is _ABSENT:
        raise reject("schema_violation", "field 'schema_version' is required", "schema_version")
    if isinstance(version, bool) or not isinstance(version, int | Decimal):
        raise reject("schema_violation", "schema_version must be the JSON integer 1",
                     "schema_version", show(version))
    if isinstance(version, Decimal) or version != 1:
        raise reject("unsupported_schema_version", f"schema_version {version} is not "
                     "supported; this calculator reads version 1", "schema_version", version)


def _from_validation(exc: ValidationError) -> Rejected:
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
