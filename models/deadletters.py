"""The dead-letter record of docs/events.md "Dead letters", built in one place.

The worker publishes it to ``pac.dead-letters.v1`` when it refuses a message, and
``pac-grants dlq list --format json`` prints the same record from the stored row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def record(*, received_at: datetime, source_topic: str, partition: int, offset: int,
           key: str | None, raw_value: str, encoding: str, error: dict[str, Any],
           size: int | None = None) -> dict[str, Any]:
    """``size``: the original size when ``raw_value`` was cut (a message over 64 KiB)."""
    moment = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
    out: dict[str, Any] = {
        "received_at": moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "source_topic": source_topic, "partition": partition, "offset": offset,
        "key": key, "raw_value": raw_value,
    }
    if encoding == "base64":
        out["encoding"] = "base64"
    if size is not None:
        out |= {"truncated": True, "size": size}
    out["error"] = error
    return out
