"""The values a generated program is made of: messages, phases, and drafts of events.

A :class:`Draft` is an event before it is encoded, with its business date: the envelope's
``occurred_at`` is that date (docs/ledger.md "Business dates"), at an office hour that the
:class:`~pac_grants.scenario.encoding.Stamper` gives in publication order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pac_grants.scenario.encoding import Stamper, dumps, envelope

#: Logical topics (docs/events.md); the ``pac.`` prefix and ``.v1`` suffix are the publisher's.
TOPICS = ("communes", "cycles", "complaints", "assessments", "disbursements")

#: Producers named in the envelope's ``source`` (docs/events.md topic table).
SOURCES = {"communes": "hcp-ref", "cycles": "dgct-programme", "complaints": "dgct-recours",
           "assessments": "dgct-apa", "disbursements": "tgr"}


@dataclass(frozen=True, slots=True)
class Message:
    """One Kafka message to publish, and the dead-letter code it must get (or None)."""

    topic: str
    key: bytes | None
    value: bytes
    expect_rejection: str | None = None


@dataclass(frozen=True, slots=True)
class Phase:
    """Messages the publisher sends, then waits for, before the next phase."""

    name: str
    messages: tuple[Message, ...]


@dataclass(slots=True)
class Draft:
    """An input event that is not encoded yet; ``on`` is its business date."""

    topic: str
    key: str
    event_type: str
    event_id: str
    payload: dict[str, Any]
    on: date
    expect_rejection: str | None = None
    duplicate_of: Draft | None = None  # an exact redelivery: same bytes as that draft
    encoded: bytes | None = field(default=None, repr=False)

    def encode(self, stamper: Stamper) -> Message:
        """Stamp and encode once; a duplicate reuses its original's bytes."""
        if self.duplicate_of is not None:
            value = self.duplicate_of.encoded
            assert value is not None, "a duplicate must come after its original"
        else:
            event = envelope(self.event_id, self.event_type, stamper.stamp(self.on),
                             SOURCES[self.topic], self.payload)
            value = dumps(event).encode("utf-8")
        self.encoded = value
        return Message(self.topic, self.key.encode("utf-8"), value, self.expect_rejection)


def encode_phase(name: str, drafts: list[Draft], stamper: Stamper) -> Phase:
    return Phase(name, tuple(d.encode(stamper) for d in drafts))
