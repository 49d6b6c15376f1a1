"""The AsyncAPI 3.0 document of the calculator's topics (docs/asyncapi.yaml).

Channels come from ``pac_grants.broker.topics`` (inputs, outputs, compaction), their
messages from ``TOPIC_EVENTS`` (inputs) and :mod:`pac_grants.contract.outputs`. Written
from the calculator's side: it *receives* the input topics and *sends* the outputs.
Input payloads reference ``schemas/<EventType>.json`` beside the document (docs/), or,
with ``inline=True`` (``pac-grants schema --asyncapi``), carry the schemas themselves so
that the document stands alone.
"""

from __future__ import annotations

from typing import Any

from models.topics import TOPIC_EVENTS
from pac_grants.broker.topics import COMPACTED, INPUTS, OUTPUTS, PARTITIONS, topic_name
from pac_grants.contract.outputs import OUTPUT_MESSAGES
from pac_grants.contract.schemas import event_schema

KAFKA_BINDING = "0.5.0"
DEFAULT_PARTITIONS = 4  # pac-grants topics create --partitions

#: Logical topic -> (what its key is, who publishes, what it carries).
CHANNELS: dict[str, tuple[str, str, str]] = {
    "communes": ("the commune code", "the reference-data system",
                 "Commune reference data, upserted by code (compacted: the latest counts)."),
    "cycles": ("the cycle, e.g. 2021", "program management (DGCT)",
               "Cycle decisions: opening and pools, notification, approval, reopening."),
    "assessments": ("the commune code", "the assessment system",
                    "Assessments of the communes, with revisions."),
    "complaints": ("the commune code", "the complaints register (DGCT)",
                   "Complaints against notified results, and their decisions."),
    "disbursements": ("the commune code", "the treasury (TGR)",
                      "Payments of grants and repayments of money owed."),
    "allocations": ("cycle:window", "the calculator",
                    "Provisional, notified and final allocation results per window."),
    "dead-letters": ("the key of the rejected message", "the calculator",
                     "Every rejected input message, with the reason; nothing else."),
    "ledger-checkpoints": ("the sequence of the chain head", "the calculator",
                           "Checkpoints of the ledger's hash chain, kept to detect a "
                           "rewritten or truncated ledger (compacted, one partition)."),
    "payment-orders": ("the commune code", "the calculator",
                       "Payment orders issued and cancelled at approvals."),
}


def asyncapi_document(prefix: str = "pac.", inline: bool = False) -> dict[str, Any]:
    """The whole document; topic names with ``prefix`` (``PAC_TOPIC_PREFIX``)."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for logical in INPUTS + OUTPUTS:
        found = _messages(logical, inline)
        messages |= found
        channels[logical] = _channel(prefix, logical, found)
        action = "receive" if logical in INPUTS else "send"
        operations[f"{action}{logical.title().replace('-', '')}"] = {
            "action": action, "channel": {"$ref": f"#/channels/{logical}"},
            "messages": [{"$ref": f"#/channels/{logical}/messages/{name}"}
                         for name in found]}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "pac-grants topics", "version": "1.0.0", "description": _INFO},
        "defaultContentType": "application/json",
        "servers": {"kafka": {"host": "{broker}", "protocol": "kafka",
                              "description": "The broker of PAC_BROKER_URL.",
                              "variables": {"broker": {"default": "127.0.0.1:9092"}}}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


_INFO = ("The Kafka contract of pac-grants, the PAPC performance-grant calculator: the "
         "events upstream systems publish and the records the calculator publishes. One "
         "JSON object per message, UTF-8, at most 64 KiB. The prose, every check and every "
         "dead-letter code: docs/events.md.")


def _channel(prefix: str, logical: str, messages: dict[str, Any]) -> dict[str, Any]:
    if logical not in CHANNELS:
        raise KeyError(f"topic {logical!r} has no entry in pac_grants/contract/asyncapi.py "
                       "CHANNELS (its key, producer and content)")
    key, producer, content = CHANNELS[logical]
    address = topic_name(prefix, logical)
    partitions = PARTITIONS.get(logical, DEFAULT_PARTITIONS)
    kafka: dict[str, Any] = {"topic": address, "partitions": partitions,
                             "bindingVersion": KAFKA_BINDING}
    if logical in COMPACTED:
        kafka["topicConfiguration"] = {"cleanup.policy": ["compact"]}
    return {"address": address, "title": address,
            "description": f"{content} Key: {key}. Published by {producer}.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            "bindings": {"kafka": kafka}}


def _messages(logical: str, inline: bool) -> dict[str, Any]:
    if logical in TOPIC_EVENTS:
        key = CHANNELS.get(logical, ("",))[0]
        return {name: _input_message(name, key, inline) for name in TOPIC_EVENTS[logical]}
    if logical not in OUTPUT_MESSAGES:
        raise KeyError(f"output topic {logical!r} has no schema in "
                       "pac_grants/contract/outputs.py OUTPUT_MESSAGES")
    return {name: _message(name, schema, key) for name, schema, key in OUTPUT_MESSAGES[logical]}


def _input_message(event_type: str, key: str, inline: bool) -> dict[str, Any]:
    schema = event_schema(event_type)
    payload = schema if inline else {"$ref": f"schemas/{event_type}.json"}
    message = _message(event_type, payload, key, schema["description"])
    message["examples"] = [{"name": f"{event_type}-example", "payload": example}
                           for example in schema.get("examples", [])]
    return message


def _message(name: str, payload: dict[str, Any], key: str,
             summary: str | None = None) -> dict[str, Any]:
    return {"name": name, "title": name, "contentType": "application/json",
            "summary": summary or payload.get("description", name), "payload": payload,
            "bindings": {"kafka": {"key": {"type": "string", "description": key},
                                   "bindingVersion": KAFKA_BINDING}}}
