"""Refusing a message: a dead-letter code and a sentence that names what conflicts.

docs/events.md "Dead letters": every code the pipeline decides comes with a message that
names the cycle, the commune or the complaint, and the date that conflicts, so that the
person reading the dead letter can act on it. Effects return a :class:`Rejection`
(built here) or a :class:`Verdict`; they never raise for a bad message.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from models.codes import DeadLetterCode
from models.decode import Rejection


class Verdict(StrEnum):
    """What an accepted message did (a rejection is a :class:`Rejection`)."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # a redelivery or the same content again: no new effect


Outcome = Rejection | Verdict


def refuse(code: DeadLetterCode, message: str, field: str, value: object) -> Rejection:
    """A rejection naming the field and its value."""
    shown = value.isoformat() if isinstance(value, date) else str(value)
    return Rejection(code, message, [{"field": field, "value": shown}])


def unknown_cycle(cycle: int) -> Rejection:
    return refuse(DeadLetterCode.UNKNOWN_CYCLE, f"cycle {cycle} was never opened (no "
                  "CycleOpened)", "cycle", cycle)


def unknown_commune(code: str) -> Rejection:
    return refuse(DeadLetterCode.UNKNOWN_COMMUNE, f"commune {code} is not registered",
                  "commune_code", code)


def cycle_closed(cycle: int, closed_on: date | None, what: str) -> Rejection:
    """A change to an approved cycle: only a CycleReopened decision lets it count."""
    on = f" on {closed_on.isoformat()}" if closed_on else ""
    return refuse(DeadLetterCode.CYCLE_CLOSED, f"cycle {cycle} was approved{on}: {what} "
                  "changes nothing until a CycleReopened decision reopens it",
                  "cycle", cycle)


def date_order(field: str, value: date, rule: str) -> Rejection:
    """``invalid_value`` for a date out of order (docs/events.md "Order of checks")."""
    return refuse(DeadLetterCode.INVALID_VALUE, f"{field} {value.isoformat()} {rule}",
                  field, value)
