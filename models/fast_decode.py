"""The fast path of ``models.decode`` for assessments: accept what is certainly valid.

One pass of a compiled JSON reader (msgspec), floats as the exact ``Decimal`` of their
text, then checks that accept only the plain case: the fields of version 1, each of the
one type the strict path takes without question, an event id already in canonical form,
every condition a boolean, indicators exactly those of a window with values in range.
Anything else returns None and the strict path (``decode_strict``) decides, with its
message: a lone surrogate, ``NaN``, an uppercase UUID, ``1e5``, a duplicate key...

Why each acceptance is the strict path's:

- msgspec accepts a subset of what ``json.loads`` accepts (it refuses NaN, Infinity,
  lone surrogates, invalid UTF-8 and raw control characters in strings), with the same
  values; floats go through ``exact_float``, ``Decimal`` of their text as ``parse_float``.
- Duplicate keys: msgspec keeps the last one silently, so :func:`_no_duplicates` counts.
  In valid JSON every ``:`` byte is either a member's separator or a character inside a
  string (an escape never contains one, nor does a multi-byte UTF-8 character), so
  ``raw.count(b":")`` equals the members plus the colons of the decoded strings exactly
  when no member was dropped, unless an escape ``\\u003a`` wrote a colon (then: strict).
- Strings: a control character can only come from an escape (raw ones are refused), so
  without a backslash there is none; lengths are checked as ``strict_json`` does.
- Fields: the event model's own validators (``_timestamp``, ``_day``, ``_budget``);
  rules: ``pac_grants.rules.plan``, which accepts only values ``check_assessment`` does.

tests/unit/test_fast_decode.py checks the same answer by property, valid and not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
from pydantic_core import PydanticCustomError

from models.events import AssessmentSubmitted
from models.fields import _BIDI_CONTROLS, MAX_REVISION, _budget, _day, _timestamp
from models.strict_json import CONTROL, MAX_MESSAGE_BYTES, MAX_STRING
from pac_grants.rules.plan import RulesetPlan, WindowPlan, failed_conditions, plan_of, score
from pac_grants.rules.ruleset import Ruleset

REQUIRED = frozenset(("event_id", "event_type", "schema_version", "occurred_at", "source",
                      "assessment_id", "cycle", "commune_code", "revision", "assessed_on",
                      "assessor", "conditions"))
OPTIONAL = frozenset(("investment_budget_mad", "indicators"))
_FIELDS = tuple(AssessmentSubmitted.model_fields)
_CANONICAL_UUID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NEGATIVE_ZERO = re.compile(rb"-0[,}\] \t\n\r]")
_BIG = 10**18  # a longer cycle number goes to the strict path (it may be a BigJsonInt)
_TEXTS = (("event_id", 36), ("occurred_at", MAX_STRING), ("source", 64),
          ("assessment_id", MAX_STRING), ("commune_code", 32), ("assessed_on", MAX_STRING),
          ("assessor", MAX_STRING))
_UNUSUAL = object()  # a number spelled otherwise than str() of its value writes it


def exact_float(text: str) -> object:
    """``Decimal`` of a JSON float's text, as ``json.loads(parse_float=Decimal)``; a
    spelling that ``str`` does not give back (``1e5``, ``0.0000001``) stays out of the
    fast path, so that models/digest.py renders every accepted number as its text."""
    if "e" in text or "E" in text or "0.000000" in text:
        return _UNUSUAL
    return Decimal(text)


_READER = msgspec.json.Decoder(float_hook=exact_float)


def parse(raw: bytes) -> Any:
    """The JSON value (duplicate keys not yet refused), or None where msgspec refuses."""
    try:
        return _READER.decode(raw)
    except (msgspec.DecodeError, ValueError, RecursionError):  # RecursionError: too deep
        return None


def quick_assessment(raw: bytes, ruleset_for: Callable[[int], Ruleset | None]
                     ) -> AssessmentSubmitted | None:
    """The event ``decode_strict`` would return, or None when that is not certain."""
    if len(raw) > MAX_MESSAGE_BYTES or _NEGATIVE_ZERO.search(raw):
        return None
    data = parse(raw)
    if type(data) is not dict or not _version_1(data):
        return None
    escapes = b"\\" in raw
    conditions, indicators = data["conditions"], data.get("indicators", {})
    if type(conditions) is not dict or type(indicators) is not dict:
        return None
    texts = _texts(raw, data, indicators, escapes)
    cycle, revision = data["cycle"], data["revision"]
    if texts is None or type(cycle) is not int or not -_BIG < cycle < _BIG \
            or type(revision) is not int or not 1 <= revision <= MAX_REVISION:
        return None
    budget = data.get("investment_budget_mad")
    ruleset = ruleset_for(cycle)
    if ruleset is None:
        return None
    plan = plan_of(ruleset)
    window = _rules_pass(plan, conditions, indicators, budget)
    if window is None or not _no_duplicates(raw, data, texts, escapes, plan, window):
        return None
    try:
        fields = {"occurred_at": _timestamp(data["occurred_at"]),
                  "assessed_on": _day(data["assessed_on"]),
                  "investment_budget_mad": None if budget is None else _budget(budget)}
    except PydanticCustomError:
        return None
    return _event(data | fields, set(data))


def _version_1(data: dict[str, Any]) -> bool:
    """Exactly the fields of an ``AssessmentSubmitted`` of version 1 (the JSON integer 1)."""
    keys = data.keys()
    return keys >= REQUIRED and keys <= REQUIRED | OPTIONAL \
        and data["event_type"] == "AssessmentSubmitted" \
        and type(data["schema_version"]) is int and data["schema_version"] == 1


def _texts(raw: bytes, data: dict[str, Any], indicators: dict[str, Any], escapes: bool
           ) -> list[str] | None:
    """The message's texts when each is a plain bounded string without control characters
    (strict_json's rule, band values given as strings included) and the event id is in
    canonical form (``str(uuid.UUID(x)) == x``, as the model would write it)."""
    texts = []
    for name, limit in _TEXTS:
        text = data[name]
        if type(text) is not str or not 1 <= len(text) <= limit:
            return None
        texts.append(text)
    for value in indicators.values():
        if type(value) is str:
            if len(value) > MAX_STRING:
                return None
            texts.append(value)
    if escapes and CONTROL.search("".join(texts)) is not None:
        return None
    # a right-to-left override or isolate (U+202A-202E, U+2066-2069: UTF-8 E2 80/81 ..)
    # is the strict path's invalid_value
    if (escapes or b"\xe2" in raw) and _BIDI_CONTROLS.search("".join(texts)) is not None:
        return None
    return texts if _CANONICAL_UUID.fullmatch(data["event_id"]) else None


def _rules_pass(plan: RulesetPlan, conditions: dict[str, Any], indicators: dict[str, Any],
                budget: object) -> WindowPlan | None:
    """The window when ``check_assessment(ruleset, assessment, None)`` certainly passes
    (and the budget, when given, is a plain number)."""
    if failed_conditions(plan, conditions) is None:
        return None
    window = plan.likely(indicators)
    if window is None or score(window, indicators) is None:
        return None
    if budget is None:
        return window if window.mmc_only or not window.needs_budget else None
    return window if type(budget) is int or type(budget) is Decimal else None


def _no_duplicates(raw: bytes, data: dict[str, Any], texts: list[str], escapes: bool,
                   plan: RulesetPlan, window: WindowPlan) -> bool:
    """No key was given twice, at any depth (module docstring: the colon count)."""
    if escapes and (b"\\u003a" in raw or b"\\u003A" in raw):
        return False
    members = len(data) + len(data["conditions"]) + len(data.get("indicators", ()))
    colons = plan.colons + window.colons + sum(text.count(":") for text in texts)
    return raw.count(b":") == members + colons


def _event(values: dict[str, Any], fields_set: set[str]) -> AssessmentSubmitted:
    """What ``model_validate`` builds from values it would accept unchanged: the fields in
    declaration order, the default for an absent one. This is the state pydantic's own
    ``model_construct`` sets, without its per-field walk over aliases and defaults (a
    third of the fast path); tests compare the result with ``model_validate``'s."""
    values.setdefault("indicators", {})
    event = _new(AssessmentSubmitted)
    _set(event, "__dict__", {name: values[name] for name in _FIELDS})
    _set(event, "__pydantic_fields_set__", fields_set)
    _set(event, "__pydantic_extra__", None)
    _set(event, "__pydantic_private__", None)
    return event


_new, _set = object.__new__, object.__setattr__
