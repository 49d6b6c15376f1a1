"""The content digest of an event: SHA-256 of its canonical JSON without the envelope.

It tells a resend (the same content again: no effect) from a conflicting revision, and
a changed commune from a repeated one (docs/events.md s11). Its canonical JSON has keys sorted,
no whitespace, ASCII escapes, and every JSON number written as a JSON string of its
text (``0.70`` stays ``"0.70"``), so the digest never depends on how numbers parse.

``raw_digest`` computes it from the message bytes; ``content_digest`` computes the same
value from the decoded event, without parsing again. A decoded value renders back to its
JSON text (``str`` of an int or exact Decimal, ``isoformat`` of a date) except for a
few spellings of numbers: ``-0``, exponents (``1e5``) and seven or more leading zeros
after the point (``0.0000001``). A message with one of those keeps the digest of its
bytes, computed once by the strict decoder (:func:`keep_exact_digest`; the fast path
leaves such messages to it).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from models.events import AssessmentSubmitted, CommuneRegistered, Event

ENVELOPE = frozenset(("event_id", "event_type", "schema_version", "occurred_at", "source"))
_KEPT = "_pac_exact_digest"  # beside the fields; pydantic compares and dumps fields only


def raw_digest(raw: bytes) -> str:
    """The digest from the message bytes (the reference; parses the message again)."""
    data = json.loads(raw, parse_float=str, parse_int=str)
    body = {k: v for k, v in data.items() if k not in ENVELOPE}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_digest(event: AssessmentSubmitted | CommuneRegistered) -> str:
    """The digest of a decoded assessment or commune, equal to ``raw_digest`` of its
    message. (A payment's ``amount_mad`` is a string whose spelling the decoded value
    forgets, ``0012.50``, so payments are not digested here.)"""
    if not isinstance(event, AssessmentSubmitted | CommuneRegistered):
        raise TypeError(f"no content digest for {type(event).__name__}")
    kept = event.__dict__.get(_KEPT)
    if kept is not None:
        return str(kept)
    return _sha256(_body(event, ENVELOPE))


def keep_exact_digest(event: Event, raw: bytes) -> None:
    """Remember the bytes' digest on an event whose numbers do not render back exactly
    (``strict_json.read_json`` tells)."""
    if isinstance(event, AssessmentSubmitted | CommuneRegistered):
        event.__dict__[_KEPT] = raw_digest(raw)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode  # = json.dumps


def _sha256(body: dict[str, Any]) -> str:
    return hashlib.sha256(_CANONICAL(body).encode("utf-8")).hexdigest()


def _body(model: BaseModel, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the message had (not defaults), by their JSON names, rendered as text."""
    names = _JSON_NAMES.get(type(model))
    if names is None:
        names = _JSON_NAMES[type(model)] = {
            name: field.alias or name for name, field in type(model).model_fields.items()}
    values = model.__dict__
    return {names[name]: _text(values[name])
            for name in model.model_fields_set if name not in leave_out}


_JSON_NAMES: dict[type[BaseModel], dict[str, str]] = {}


def _text(value: object) -> object:
    """A value as the JSON text it was read from: numbers as strings (module docstring)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int or kind is Decimal:
        return str(value)
    if kind is dict:  # conditions and indicators: their plain values inline, no call each
        return {key: item if (of := type(item)) is bool or of is str or item is None else
                str(item) if of is int or of is Decimal else _text(item)
                for key, item in value.items()}  # type: ignore[attr-defined]
    return _other_text(value)


def _other_text(value: object) -> object:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):  # an mmc_only window takes any indicators
        return [_text(item) for item in value]
    if isinstance(value, BaseModel):
        return _body(value)
    raise TypeError(f"no JSON text for {type(value).__name__}")
