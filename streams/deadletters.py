"""Dead-letter records (events.md "Outputs", ``pac.dead-letters.v1``).

One record per rejected message, keyed by the source key, carrying the raw value as
text (or base64 with ``"encoding": "base64"`` when it is not UTF-8) and the error. It is
stored in the database (``dead_letters``, for ``pac-grants dlq``) and queued in the
outbox for the Kafka topic, in the batch's transaction: a rejected message never touches
the ledger and never stops the worker.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from models.decode import Rejection
from pac_grants.ledger import reference
from streams import state
from streams.messages import Message


def raw_text(value: bytes | None) -> tuple[str, str]:
    """The raw value as (text, encoding): UTF-8 text if it is, else base64."""
    if value is None:
        return "", "utf-8"
    try:
        return value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii"), "base64"


def record(message: Message, rejection: Rejection, received_at: datetime) -> dict[str, Any]:
    """The JSON record of events.md for one rejected message."""
    text, encoding = raw_text(message.value)
    key, _ = raw_text(message.key) if message.key is not None else (None, "utf-8")
    out: dict[str, Any] = {
        "received_at": received_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "source_topic": message.topic, "partition": message.partition,
        "offset": message.offset, "key": key, "raw_value": text,
    }
    if encoding == "base64":
        out["encoding"] = "base64"
    out["error"] = rejection.as_error()
    return out


def write(conn: Connection, dlq_topic: str, message: Message, rejection: Rejection,
          received_at: datetime) -> None:
    """Store the dead letter and queue it for the dead-letter topic (same transaction)."""
    rec = record(message, rejection, received_at)
    stored = reference.record_dead_letter(
        conn, received_at=received_at, source_topic=message.topic,
        partition=message.partition, offset=message.offset, key=rec["key"],
        raw_value=rec["raw_value"], encoding=rec.get("encoding", "utf-8"),
        code=rejection.code, message=rejection.message, details=rejection.details)
    if stored:  # the same (topic, partition, offset) is dead-lettered once
        value = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        state.enqueue(conn, dlq_topic, message.key, value)
