"""The examples of docs/events.md are messages the calculator accepts.

Each JSON block under an input event's heading ("### 4.1 `CycleOpened`") gets the
envelope and goes through ``models.decode`` on its topic. Events and fields that the
page documents before the models have them are listed below with the rejection they get
today; once the models accept them, these tests fail and ask for the entry's removal, so
the page and the models cannot drift apart unseen.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from models.decode import Rejection, decode
from pac_grants.contract import input_events, topic_of

PAGE = Path(__file__).resolve().parents[2] / "docs/events.md"
HEADING = re.compile(r"^###? \d+(\.\d+)? (`(?P<type>\w+)`)?")
ENVELOPE = {"event_id": "3f1c9a52-8d0e-4c53-9a4e-0c1f0b7d2a61", "schema_version": 1,
            "occurred_at": "2022-03-01T09:30:00Z", "source": "docs"}

#: Event types documented before their model exists.
AWAITING_MODELS: set[str] = set()
#: (event type, n-th example under its heading) -> (code, text of the message) today.
AWAITING_FIELDS: dict[tuple[str, int], tuple[str, str]] = {}


def examples() -> list[tuple[str, int, dict[str, Any]]]:
    """(event type, n-th example of that type, the event's fields) in page order."""
    found: list[tuple[str, int, dict[str, Any]]] = []
    current: str | None = None
    count = 0
    block: list[str] | None = None
    for line in PAGE.read_text("utf-8").splitlines():
        heading = HEADING.match(line)
        if heading:
            current, count = heading.group("type"), 0
        elif line.startswith("```json") and current:
            block = []
        elif line.startswith("```") and block is not None and current:
            count += 1
            found.append((current, count, json.loads("\n".join(block))))
            block = None
        elif block is not None:
            block.append(line)
    return found


def test_the_page_documents_every_input_event() -> None:
    documented = {event_type for event_type, _, _ in examples()}
    assert set(input_events()) <= documented, set(input_events()) - documented


def test_every_example_of_a_modelled_event_is_accepted() -> None:
    checked = 0
    for event_type, n, fields in examples():
        if event_type not in input_events() or (event_type, n) in AWAITING_FIELDS:
            continue
        message = ENVELOPE | {"event_type": event_type} | fields
        decoded = decode(json.dumps(message, ensure_ascii=False).encode(), topic_of(event_type))
        assert not isinstance(decoded, Rejection), (event_type, n, decoded)
        checked += 1
    assert checked >= 4


def test_documented_ahead_of_the_models_is_still_ahead() -> None:
    modelled = AWAITING_MODELS & set(input_events())
    assert not modelled, (f"{sorted(modelled)} now have models: remove them from "
                          "AWAITING_MODELS in tests/unit/test_docs_events.py")
    documented = {event_type for event_type, _, _ in examples()}
    assert documented - set(input_events()) == AWAITING_MODELS


def test_fields_documented_ahead_of_the_models_are_still_refused() -> None:
    by_key = {(event_type, n): fields for event_type, n, fields in examples()}
    for (event_type, n), (code, text) in AWAITING_FIELDS.items():
        message = ENVELOPE | {"event_type": event_type} | by_key[(event_type, n)]
        decoded = decode(json.dumps(message, ensure_ascii=False).encode(), topic_of(event_type))
        assert isinstance(decoded, Rejection) and decoded.code == code, (
            f"example {n} of {event_type} in docs/events.md is accepted now: remove it from "
            "AWAITING_FIELDS in tests/unit/test_docs_events.py")
        assert text in decoded.message, decoded
