"""Domain values from stored payloads, which ``models.decode`` accepted on the way in.

The pipeline keeps each accepted message's text and recomputes from it. Validating it
again (``model_validate(parse_json(...))``) re-proves what decode proved, at the cost of
a second strict decode per assessment per recomputation. Here the payload is read once
by msgspec with exact decimals and the domain value built directly, with the very
conversions the event model applies (canonical event id, ``Decimal`` budget, default
indicators). Where msgspec refuses the text (a lone surrogate escape, which ``json.loads``
reads), the strict reader is used. tests/unit/test_stored.py compares both by property.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import msgspec

from models.events import AssessmentSubmitted, CommuneRegistered
from models.strict_json import parse_json
from pac_grants.rules.types import Assessment, Commune

_READER = msgspec.json.Decoder(float_hook=Decimal)
_CANONICAL_UUID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def stored_assessment(payload: str) -> Assessment:
    """``AssessmentSubmitted.model_validate(parse_json(payload)).to_domain()``, faster."""
    data = _read(payload)
    if data is None:
        event = AssessmentSubmitted.model_validate(parse_json(payload.encode("utf-8")))
        return event.to_domain()
    budget = data.get("investment_budget_mad")
    return Assessment(_event_id(data["event_id"]), data["assessment_id"], data["cycle"],
                      data["commune_code"], data["revision"], data["conditions"],
                      data.get("indicators", {}), None if budget is None else Decimal(budget))


def stored_commune(payload: str) -> Commune:
    """``CommuneRegistered.model_validate(parse_json(payload)).to_domain()``, faster."""
    data = _read(payload)
    if data is None:
        event = CommuneRegistered.model_validate(parse_json(payload.encode("utf-8")))
        return event.to_domain()
    population = data["population"]
    return Commune(data["code"], data["name_fr"], data["name_ar"], data["region"],
                   data["province"], {2014: population["2014"], 2024: population["2024"]},
                   data["participating"])


def _read(payload: str) -> dict[str, Any] | None:
    try:
        data = _READER.decode(payload)
    except (msgspec.DecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _event_id(value: str) -> str:
    """As the model writes it (``str(uuid.UUID(value))``): already so, nearly always."""
    return value if _CANONICAL_UUID.fullmatch(value) else str(uuid.UUID(value))
