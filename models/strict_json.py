"""Exact, strict JSON of one message (docs/events.md s2): the reference reader and its limits.

Floats are the exact decimals of their text (0.7 is 7/10), NaN and Infinity are refused,
so are duplicate keys, strings over 200 characters or holding a control character, and
nesting deeper than 16 levels. Each refusal is a :class:`~models.rejection.Rejected`
with its dead-letter code and a sentence for the person who sent the message.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from models.rejection import Rejected, reject
from pac_grants.rules.scoring import BigJsonInt

MAX_MESSAGE_BYTES = 64 * 1024
MAX_STRING = 200
MAX_DEPTH = 16
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_json(raw: bytes | None) -> dict[str, Any]:
    """Exact JSON: floats as Decimal, no NaN/Infinity, no duplicate keys, bounded strings."""
    return read_json(raw)[0]


def read_json(raw: bytes | None) -> tuple[dict[str, Any], bool]:
    """``parse_json``, and whether a number is spelled otherwise than ``str`` of its value
    writes it back (``-0``, ``1e5``, ``0.0000001``; models/digest.py needs to know)."""
    if raw is None:
        raise reject("malformed_json", "the message has no value (a tombstone or empty record)")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise reject("message_too_large", f"the message is {len(raw)} bytes; the limit is "
                     f"{MAX_MESSAGE_BYTES} bytes (64 KiB)")
    try:
        text = raw.decode("utf-8")
        unusual: list[str] = []
        data = json.loads(text, parse_float=lambda t: _parse_float(t, unusual),
                          parse_int=lambda t: _parse_int(t, unusual),
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
    return data, bool(unusual)


def _parse_float(text: str, unusual: list[str]) -> Decimal:
    number = Decimal(text)
    if str(number) != text:
        unusual.append(text)
    return number


def _parse_int(text: str, unusual: list[str]) -> int | Decimal:
    if text == "-0":
        unusual.append(text)
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


def _too_deep() -> Rejected:
    return reject("schema_violation", f"the message nests deeper than {MAX_DEPTH} levels; "
                  "no event of version 1 nests more than 3")


def _check_strings(value: object, path: str, depth: int = 0) -> None:
    """Bound every string (docs/events.md s2: 200 characters) and the nesting depth."""
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
    if CONTROL.search(value):
        raise reject("schema_violation", f"{where} contains a control character (U+0000 to "
                     "U+001F other than tab and line breaks); text fields cannot hold them",
                     path or None)
