"""The hostile corpus: malformed and hostile messages, each with the code it must get.

docs/operations.md s6 lists what it holds: broken JSON, wrong types,
NaN and infinities, huge numbers and strings, unknown fields and ids, wrong schema
versions, stale and conflicting revisions, over-payments, invalid UTF-8, 1 MiB messages,
SQL and shell metacharacters, deeply nested JSON. The generic faults (not about any one
event) are sent to every input topic; the others to the topic of their event
(tests/hostile/specific.py, lifecycle.py, treasury.py). The expected code is the one
docs/events.md implies; where ``models.decode`` or the pipeline currently disagrees, the
entry says so in ``issue`` (docs/reliability.md "Findings"), so the disagreement stays
visible and tested.

Every message is thrown at the state of tests/hostile/baseline.py, and none may change
the ledger: each is dead-lettered once, and the worker keeps running.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

from tests.hostile import lifecycle, specific, treasury
from tests.hostile.baseline import closed, encode, event
from tests.hostile.entry import SHELL, SQL, Hostile

TOPICS = ("communes", "cycles", "complaints", "assessments", "disbursements")
MIB = 1024 * 1024
#: Under the broker's default message.max.bytes (1 MiB + 12) with the record overhead.
NEAR_MIB = MIB - 1024


def _valid_cycle_closed() -> bytes:
    return encode(closed(2021, name=":hostile-template"))


def generic(topic: str) -> list[Hostile]:
    """Faults of the bytes, the JSON or the envelope: the same on every input topic."""
    good = _valid_cycle_closed()
    text = good.decode()
    unknown_type = encode(event(f"unknown-type:{topic}", topic, SHELL))
    faults: list[tuple[Any, ...]] = [
        ("truncated JSON", b"k", good[: len(good) // 2], "malformed_json"),
        ("empty value", b"k", b"", "malformed_json"),
        ("tombstone (no value)", b"k", None, "malformed_json"),
        ("invalid UTF-8", b"k", b"\xff\xfe" + good[2:], "malformed_json"),
        ("overlong UTF-8 sequence", b"k", b'{"a": "\xc0\xaf"}', "malformed_json"),
        ("UTF-8 byte order mark", b"k", b"\xef\xbb\xbf" + good, "malformed_json"),
        ("raw NUL byte in a string", b"k", b'{"event_type": "a\x00b"}', "malformed_json"),
        ("NaN", b"k", text.replace('"cycle": 2021', '"cycle": NaN').encode(),
         "malformed_json"),
        ("Infinity", b"k", text.replace('"cycle": 2021', '"cycle": Infinity').encode(),
         "malformed_json"),
        ("-Infinity", b"k", text.replace('"cycle": 2021', '"cycle": -Infinity').encode(),
         "malformed_json"),
        ("duplicate key", b"k", good[:-1] + b', "cycle": 2022}', "malformed_json"),
        ("single quotes", b"k", text.replace('"', "'").encode(), "malformed_json"),
        ("a pickle, not JSON", b"k", pickle.dumps(json.loads(good), protocol=4),
         "malformed_json"),
        ("trailing garbage", b"k", good + b" {}", "malformed_json"),
        ("a JSON array", b"k", b"[" + good + b"]", "schema_violation"),
        ("a JSON string", b"k", json.dumps(text).encode(), "schema_violation"),
        ("JSON null", b"k", b"null", "schema_violation"),
        ("a JSON number", b"k", b"42", "schema_violation"),
        ("nested 40 deep", b"k", good[:-1] + b', "x": ' + b"[" * 40 + b"]" * 40 + b"}",
         "schema_violation"),
        ("1 MiB of JSON", b"k", good[:-1] + b', "pad": "' + b"A" * (NEAR_MIB - len(good))
         + b'"}', "message_too_large"),
        ("64 KiB + 1 of whitespace", b"k", b"{" + b" " * (64 * 1024 + 1 - len(good))
         + good[1:], "message_too_large"),
        ("unknown event type with shell metacharacters", b"k", unknown_type,
         "unknown_event_type"),
        ("no event_type", b"k", encode({"event_id": "x", "schema_version": 1}),
         "schema_violation"),
        ("NUL byte in the key", b"a\x00b", b"{", "malformed_json"),
        ("invalid UTF-8 key", b"\xff\xfe\xfd", b"{", "malformed_json"),
        ("SQL in the key", SQL.encode(), b"{", "malformed_json"),
    ]
    return [Hostile(f"{topic}: {fault[0]}", topic, *fault[1:]) for fault in faults]


def corpus() -> list[Hostile]:
    """The whole corpus: generic faults on every input topic, then the specific ones."""
    entries = [h for topic in TOPICS for h in generic(topic)]
    return entries + specific.entries() + lifecycle.entries() + treasury.entries()
