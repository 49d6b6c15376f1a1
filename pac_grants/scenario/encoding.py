"""Wire encoding of generated events: envelope, deterministic ids and clock, exact JSON.

Why not plain ``json.dumps``: indicator values are exact decimals (docs/rules.md s2: "0.7 is
7/10") and must be written as JSON numbers with exactly their decimal text, which the
standard encoder cannot do for :class:`~decimal.Decimal`. Decimals are swapped for a
marked string, encoded by the fast C encoder, and the marks are then removed.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

_MARK = "\ue000"

#: The envelope's fields, first in every event, in this order (docs/events.md s2).
SCHEMA_VERSION = 1
OPENING = 8 * 3600  # 08:00 UTC, in seconds after midnight
OFFICE_SECONDS = 10 * 3600  # until 17:59:59


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
    """Deterministic event ids, and ``occurred_at`` timestamps on business dates.

    Ids come from their own seeded generator, so that changing how values are drawn does
    not change the ids of unrelated events. A timestamp is its event's business date at
    an office hour (08:00 to 17:59 UTC, one second more per event in publication order),
    so that its date is the same in every time zone of the program (Morocco: UTC+1).
    """

    def __init__(self, seed: int) -> None:
        self._ids = random.Random(f"pac-grants-scenario-ids:{seed}")
        self._serial = 0

    def event_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def stamp(self, day: date) -> str:
        """RFC 3339 UTC with a ``Z`` (docs/events.md envelope), on ``day``."""
        seconds = OPENING + self._serial % OFFICE_SECONDS
        self._serial += 1
        moment = datetime.combine(day, time(), UTC) + timedelta(seconds=seconds)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def envelope(event_id: str, event_type: str, occurred_at: str, source: str,
             payload: dict[str, Any], schema_version: Any = SCHEMA_VERSION) -> dict[str, Any]:
    """The common envelope (docs/events.md s2), then the event's own fields."""
    return {"event_id": event_id, "event_type": event_type, "schema_version": schema_version,
            "occurred_at": occurred_at, "source": source, **payload}
