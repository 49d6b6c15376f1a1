"""JSON Schema of the records the calculator publishes (docs/events.md s8).

Outputs have no pydantic model (they are built as plain JSON by models/results.py and
streams/deadletters.py), so their schemas are written here and checked against real
records by tests/unit/test_contract.py. Keyed by logical output topic: a topic added to
``pac_grants.broker.topics.OUTPUTS`` needs its entry here (the generator says so).
"""

from __future__ import annotations

from typing import Any

from models.codes import DeadLetterCode

DIGEST = {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}
WHOLE_MAD = {"type": "integer", "minimum": 0}
MONEY = {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$"}
DAY = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
REASONS = ["not_participating", "no_window", "no_assessment", "failed_conditions",
           "below_min_score"]


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    required = [name for name in properties if name not in optional]
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": properties}


COMMUNE_RESULT = _object({
    "code": {"type": "string"}, "eligible": {"type": "boolean"},
    "reasons": {"type": "array", "items": {"enum": REASONS}},
    "failed_conditions": {"type": "array", "items": {"type": "string"}},
    "score": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
    "capped": {"type": "boolean"}, "amount": WHOLE_MAD})

WINDOW_RESULT = _object({
    "window": {"type": "string"}, "pool": WHOLE_MAD, "allocated": WHOLE_MAD,
    "unallocated": WHOLE_MAD, "communes": {"type": "array", "items": COMMUNE_RESULT}})

ALLOCATION_RESULT = {
    "title": "AllocationResult",
    "description": "The allocation of one window of a cycle, after any change to its "
                   "inputs; key cycle:window. Amounts in whole MAD, communes sorted by code.",
    **_object({
        "cycle": {"type": "integer"},
        "ruleset": _object({"id": {"type": "string"}, "version": {"type": "integer"},
                            "digest": DIGEST}),
        "windows": {"type": "array", "minItems": 1, "maxItems": 1, "items": WINDOW_RESULT},
        "status": {"enum": ["provisional", "notified", "final"]},
        "inputs_digest": DIGEST,
        "held_assessments": {"type": "array", "items": _object({
            "commune_code": {"type": "string"}, "event_id": {"type": "string"},
            "revision": {"type": "integer"}})},
        "window": {"type": "string"},
    }),
}

DEAD_LETTER = {
    "title": "DeadLetter",
    "description": "One rejected input message, with the reason; key: the source key.",
    **_object({
        "received_at": {"type": "string", "format": "date-time"},
        "source_topic": {"type": "string"}, "partition": {"type": "integer", "minimum": 0},
        "offset": {"type": "integer", "minimum": 0}, "key": {"type": ["string", "null"]},
        "raw_value": {"type": "string"}, "encoding": {"const": "base64"},
        "truncated": {"const": True}, "size": {"type": "integer"},
        "error": _object({
            "code": {"enum": [code.value for code in DeadLetterCode]},
            "message": {"type": "string"},
            "details": {"type": "array", "items": _object(
                {"field": {"type": "string"}, "value": {"type": "string"}}, ("value",))},
        }),
    }, ("encoding", "truncated", "size")),
}

LEDGER_CHECKPOINT = {
    "title": "LedgerCheckpoint",
    "description": "The ledger's chain head when it was taken, at every approval and every "
                   "PAC_LEDGER_CHECKPOINT_EVERY transactions; key: seq. signature (with "
                   "key_id) is Ed25519 over the canonical JSON of seq, hash, at and count, "
                   "present when PAC_LEDGER_SIGNING_KEY is set (docs/ledger.md).",
    **_object({
        "seq": {"type": "integer", "minimum": 1}, "hash": DIGEST,
        "at": {"type": "string", "format": "date-time"},
        "count": {"type": "integer", "minimum": 1},
        "signature": {"type": "string", "contentEncoding": "base64"},
        "key_id": {"type": "string", "pattern": "^ed25519:[0-9a-f]{16}$"},
    }, ("signature", "key_id")),
}

_ORDER_ENVELOPE = {
    "event_id": {"type": "string", "format": "uuid"},
    "schema_version": {"const": 1}, "occurred_at": {"type": "string", "format": "date-time"},
    "source": {"type": "string"}, "order_id": {"type": "string"},
    "cycle": {"type": "integer"}, "commune_code": {"type": "string"},
    "tranche": {"type": "string"},
}

PAYMENT_ORDER_ISSUED = {
    "title": "PaymentOrderIssued",
    "description": "A payment order issued at an approval; key: the commune code. "
                   "amount_mad is the net to pay (gross_mad minus offset_mad).",
    **_object(_ORDER_ENVELOPE | {
        "event_type": {"const": "PaymentOrderIssued"}, "amount_mad": MONEY,
        "gross_mad": MONEY, "offset_mad": MONEY, "due_on": DAY}),
}

PAYMENT_ORDER_CANCELLED = {
    "title": "PaymentOrderCancelled",
    "description": "All or part of an unpaid order cancelled by a re-approval; key: the "
                   "commune code. remaining_mad is what stays ordered (0.00: cancelled).",
    **_object(_ORDER_ENVELOPE | {
        "event_type": {"const": "PaymentOrderCancelled"}, "amount_mad": MONEY,
        "remaining_mad": MONEY, "cancelled_on": DAY}),
}

#: Logical output topic -> (message name, schema, what the key is).
OUTPUT_MESSAGES: dict[str, list[tuple[str, dict[str, Any], str]]] = {
    "allocations": [("AllocationResult", ALLOCATION_RESULT, "cycle:window, e.g. 2021:standard")],
    "dead-letters": [("DeadLetter", DEAD_LETTER, "the key of the rejected message")],
    "ledger-checkpoints": [("LedgerCheckpoint", LEDGER_CHECKPOINT,
                            "the sequence of the chain head, e.g. 1000")],
    "payment-orders": [("PaymentOrderIssued", PAYMENT_ORDER_ISSUED, "the commune code"),
                       ("PaymentOrderCancelled", PAYMENT_ORDER_CANCELLED, "the commune code")],
}
