"""Wire encoding of generated events: envelope, deterministic ids and clock, exact JSON.

Why not plain ``json.dumps``: indicator values are exact decimals (rules.md s2, "0.7 is
7/10") and must be written as JSON numbers with exactly their decimal text, which the
standard encoder cannot do for :class:`~decimal.Decimal`. Decimals are swapped for a
marked string, encoded by the fast C encoder, and the marks are then removed.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

_MARK = "\ue000"

#: The envelope's fields, first in every event, in this order (events.md "Common envelope").
SCHEMA_VERSION = 1


def _mark(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{_MARK}{format(value, 'f')}{_MARK}"
    raise TypeError(f"not serialisable: {type(value).__name__}")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_mark)


def dumps(obj: Any) -> str:
    """Compact JSON, UTF-8 text kept (Arabic names), decimals as exact JSON numbers."""
    text = _ENCODER.encode(obj)
    return text.replace(f'"{_MARK}', "").replace(f'{_MARK}"', "") if _MARK in text else text


def loads(raw: bytes | str) -> Any:
    """Parse as the consumer does: non-integer numbers become exact decimals."""
    return json.loads(raw, parse_float=Decimal)


class Stamper:
    """Deterministic event ids and ``occurred_at`` timestamps, in publication order.

    Ids come from their own seeded generator, so that changing how values are drawn does
    not change the ids of unrelated events.
    """

    def __init__(self, seed: int, start: datetime, step: timedelta) -> None:
        self._ids = random.Random(f"pac-grants-scenario-ids:{seed}")
        self._now = start.astimezone(UTC)
        self._step = step

    def event_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def tick(self) -> str:
        """The next timestamp, RFC 3339 UTC with a ``Z`` (events.md envelope)."""
        stamp = self._now
        self._now += self._step
        precision = "milliseconds" if self._step.microseconds else "seconds"
        return stamp.isoformat(timespec=precision).replace("+00:00", "Z")


def envelope(event_id: str, event_type: str, occurred_at: str, source: str,
             payload: dict[str, Any], schema_version: Any = SCHEMA_VERSION) -> dict[str, Any]:
    """The common envelope (events.md), then the event's own fields."""
    return {"event_id": event_id, "event_type": event_type, "schema_version": schema_version,
            "occurred_at": occurred_at, "source": source, **payload}
