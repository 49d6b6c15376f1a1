"""Phase ``malformed``: one bad message per dead-letter code it can show (docs/events.md).

Each message has exactly one fault, so its code is not a matter of which check runs
first: the assessment-based ones are a valid next revision of a held assessment with a
single change (decided before the cycle's state: every cycle is approved by now). The
governance ones: a closing, a notification and a reopening that the cycle's state or
dates refuse, a decision of a complaint nobody lodged, a complaint id used again with
other content. None of them may change a balance or an allocation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pac_grants.scenario.assessments import AssessmentBook
from pac_grants.scenario.complaints import Register
from pac_grants.scenario.cycles import Cycles
from pac_grants.scenario.disbursements import Treasury
from pac_grants.scenario.encoding import dumps, envelope
from pac_grants.scenario.messages import SOURCES, Draft, Message

MAX_MESSAGE_BYTES = 64 * 1024  # docs/events.md s2: messages over 64 KiB are rejected
UNKNOWN_CYCLE = 2031  # no packaged ruleset, never opened
UNKNOWN_COMMUNE = "99.999.01.99"  # never registered

Body = dict[str, Any]


@dataclass(frozen=True)
class Sources:
    """What the faults are made from: the program's makers, as the last phase left them."""

    book: AssessmentBook
    cycles: Cycles
    register: Register
    treasury: Treasury
    on: date  # the business date of the phase


def malformed(sources: Sources) -> list[Message]:
    book, treasury = sources.book, sources.treasury
    messages = []
    target = _target(book)
    if target is not None:
        messages += _assessment_faults(book, sources.on, *target)
    messages += _revision_faults(book, sources.on)
    drafts = _cycle_faults(sources) + _complaint_faults(sources)
    orders = treasury.orders
    paid = sorted((c, k) for (c, k), p in orders.paid.items() if p > 0 and orders.unpaid(c, k))
    if paid:
        cycle, code = treasury.rng.choice(paid)
        drafts.append(treasury.payment(cycle, code, orders.unpaid(cycle, code) + 1, sources.on,
                                       expect="exceeds_outstanding"))
    return messages + [d.encode(book.stamper) for d in drafts]


def _target(book: AssessmentBook) -> tuple[int, str] | None:
    """A held assessment of a performance window with indicators A2, A3 and B2."""
    ids = {"A2", "A3", "B2"}
    choices = sorted(key for key in book.held
                     if ids <= {i.id for i in book.window(*key).indicators})
    return book.rng.choice(choices) if choices else None


def _assessment_faults(book: AssessmentBook, on: date, cycle: int, code: str
                       ) -> list[Message]:
    body = copy.deepcopy(book.held[(cycle, code)].payload)
    body["revision"] += 1
    faults: list[tuple[str, Callable[[Body], Any]]] = [
        ("schema_violation", lambda b: b.update(remarks="recours gracieux")),
        ("value_out_of_range", lambda b: b["indicators"].update(A3=Decimal("1.4"))),
        ("missing_indicator", lambda b: b["indicators"].pop("B2")),
        ("invalid_value", lambda b: b["indicators"].update(A2="yes")),
        ("unknown_indicator", lambda b: b["indicators"].update(Z9=1)),
        ("missing_condition", lambda b: b["conditions"].pop("MMC3")),
        ("unknown_condition", lambda b: b["conditions"].update(MMC8=True)),
        ("unknown_cycle", lambda b: b.update(cycle=UNKNOWN_CYCLE,
                                             assessment_id=f"APA-{UNKNOWN_CYCLE}-{code}")),
    ]
    messages = []
    for code_expected, change in faults:
        faulty = copy.deepcopy(body)
        change(faulty)
        messages.append(_message(book, on, code, faulty, code_expected))
    messages.append(_message(book, on, code, body, "unsupported_schema_version", version=2))
    messages.append(_message(book, on, code, body, "unknown_event_type",
                             event_type="AssessmentWithdrawn"))
    messages.append(_too_large(book, on, code, body))
    messages += _not_json(book, on, code, body)
    return messages


def _revision_faults(book: AssessmentBook, on: date) -> list[Message]:
    """The counting revision again with other content (checked before the state)."""
    cycle, code = book.rng.choice(sorted(book.held))
    conflicting = copy.deepcopy(book.held[(cycle, code)].payload)
    conflicting["conditions"]["MMC1"] = not conflicting["conditions"]["MMC1"]
    return [_message(book, on, code, conflicting, "conflicting_revision")]


def _cycle_faults(sources: Sources) -> list[Draft]:
    """A second closing and a notification of an approved cycle, a reopening dated
    before the approval, a pool for a window the cycle does not have, a payment to a
    commune nobody registered."""
    book, cycles, on = sources.book, sources.cycles, sources.on
    cycle = min(book.rulesets)
    windows = {w.id for rs in book.rulesets.values() for w in rs.windows}
    foreign = sorted(windows - {w.id for w in book.rulesets[cycle].windows})
    approved = cycles.approvals[cycle][-1]
    drafts = [cycles.event(cycle, "CycleClosed", {}, on, "cycle_not_open"),
              cycles.event(cycle, "ResultsNotified", {
                  "notified_on": on.isoformat(), "complaint_deadline": on.isoformat()}, on,
                  "cycle_not_open"),
              cycles.event(cycle, "CycleReopened", {
                  "reopened_on": (approved - timedelta(days=1)).isoformat(),
                  "decision_ref": "Décision n° 0-0000", "reason": "date antérieure à "
                  "l'approbation"}, on, "invalid_value")]
    if foreign:
        drafts.append(cycles.event(cycle, "PoolAdjusted", {"window": foreign[0],
                                                           "pool_mad": 1_000_000}, on,
                                   "unknown_window"))
    drafts.append(sources.treasury.payment(cycle, UNKNOWN_COMMUNE, 100_000, on,
                                           expect="unknown_commune"))
    return drafts


def _complaint_faults(sources: Sources) -> list[Draft]:
    """A decision of a complaint nobody lodged, a lodged complaint's id with other content."""
    register = sources.register
    if not register.lodged:
        return []
    complaint_id, lodged = sorted(register.lodged.items())[0]
    other = Draft("complaints", lodged.key, "ComplaintLodged", sources.book.stamper.event_id(),
                  {**lodged.payload, "subjects": ["population"]}, sources.on,
                  "conflicting_revision")
    unknown = register.decide(f"{complaint_id[:-4]}9999", sources.on, expect="unknown_complaint",
                              about=lodged)
    return [other, unknown]


def _event(book: AssessmentBook, on: date, body: Body, *, version: int = 1,
           event_type: str = "AssessmentSubmitted") -> str:
    return dumps(envelope(book.stamper.event_id(), event_type, book.stamper.stamp(on),
                          SOURCES["assessments"], body, version))


def _message(book: AssessmentBook, on: date, key: str, body: Body, expect: str,
             **options: Any) -> Message:
    value = _event(book, on, body, **options).encode("utf-8")
    return Message("assessments", key.encode("utf-8"), value, expect)


def _too_large(book: AssessmentBook, on: date, key: str, body: Body) -> Message:
    """Valid JSON, valid content, padded with whitespace to one byte over 64 KiB."""
    text = _event(book, on, body).encode("utf-8")
    padded = b"{" + b" " * (MAX_MESSAGE_BYTES + 1 - len(text)) + text[1:]
    return Message("assessments", key.encode("utf-8"), padded, "message_too_large")


def _not_json(book: AssessmentBook, on: date, key: str, body: Body) -> list[Message]:
    text = _event(book, on, body).encode("utf-8")
    truncated = text[: len(text) // 2]
    not_utf8 = b"\xff\xfe" + text[2:]
    return [Message("assessments", key.encode("utf-8"), raw, "malformed_json")
            for raw in (truncated, not_utf8)]
