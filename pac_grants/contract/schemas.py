"""JSON Schema of every input event, generated from the pydantic models of models/events.py.

Driven by ``TOPIC_EVENTS``: an event added to the models gets its schema with nothing to
write here. The models' own JSON Schema is completed with what ``models.decode`` checks
before the models see a message (every string at most 200 characters, no control
character) and with the descriptions and example of pac_grants/contract, then made
self-contained (nested models inlined) in JSON Schema draft-07, the dialect that AsyncAPI
3.0 payloads use by default. Checks that need the cycle's ruleset (which conditions and
indicators, their ranges) or the calculator's state are not in the schema: docs/events.md
lists them.
"""

from __future__ import annotations

from typing import Any

from models.decode import MAX_STRING
from models.events import Event
from models.topics import TOPIC_EVENTS
from pac_grants.contract.descriptions import EVENTS, field_description
from pac_grants.contract.examples import EXAMPLES

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
#: The characters ``models.decode`` refuses in any string (tab and line breaks allowed).
NO_CONTROL = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"


def input_events() -> dict[str, type[Event]]:
    """Every input event type and its model, topic by topic, in TOPIC_EVENTS order."""
    return {name: model for events in TOPIC_EVENTS.values() for name, model in events.items()}


def topic_of(event_type: str) -> str:
    """The logical input topic that carries ``event_type``; KeyError if none does."""
    for topic, events in TOPIC_EVENTS.items():
        if event_type in events:
            return topic
    raise KeyError(event_type)


def event_schema(event_type: str) -> dict[str, Any]:
    """The published JSON Schema of one input event type (KeyError if unknown)."""
    model = input_events()[event_type]
    generated = model.model_json_schema()
    schema = _inline(generated, generated.get("$defs", {}))
    schema.pop("$defs", None)
    _describe(schema, event_type)
    _bound_strings(schema)
    head = {"$schema": DRAFT_07, "$id": f"{event_type}.json", "title": event_type,
            "description": EVENTS.get(event_type, "")}
    example = EXAMPLES.get(event_type)
    tail = {"examples": [example]} if example is not None else {}
    return head | {k: v for k, v in schema.items() if k not in head} | tail


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace ``{"$ref": "#/$defs/X"}`` by X itself (the models are not recursive)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
            return target | {k: _inline(v, defs) for k, v in node.items() if k != "$ref"}
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def _describe(schema: dict[str, Any], event_type: str) -> None:
    """Field descriptions instead of pydantic's titles ("Event Id"), which say nothing."""
    properties = schema.get("properties", {})
    for name, field in properties.items():
        text = field_description(event_type, name)
        head = {"description": text} if text else {}
        for nested in field.get("properties", {}).values():
            nested.pop("title", None)
        properties[name] = head | {k: v for k, v in field.items() if k != "title"}


def _bound_strings(node: Any) -> None:
    """models.decode bounds every string, keys included (docs/events.md s2)."""
    if isinstance(node, dict):
        types = node.get("type")
        is_string = types == "string" or (isinstance(types, list) and "string" in types)
        if is_string and "pattern" not in node:  # a pattern of its own bounds it already
            node["maxLength"] = min(node.get("maxLength", MAX_STRING), MAX_STRING)
            node["pattern"] = NO_CONTROL
        if node.get("type") == "object" and node.get("additionalProperties") is not False:
            names = node.setdefault("propertyNames", {})
            names["maxLength"] = min(names.get("maxLength", MAX_STRING), MAX_STRING)
            names.setdefault("pattern", NO_CONTROL)
        for key, value in node.items():
            if key not in ("examples", "default", "const", "enum"):
                _bound_strings(value)
    elif isinstance(node, list):
        for item in node:
            _bound_strings(item)
