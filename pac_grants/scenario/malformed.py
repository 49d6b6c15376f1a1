"""Phase ``malformed``: one bad message per dead-letter code it can show (events.md).

Each message has exactly one fault, so its code is not a matter of which check runs
first: the assessment-based ones are a valid next revision of a held assessment with a
single change. None of them may change a balance or an allocation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pac_grants.scenario.assessments import AssessmentBook
from pac_grants.scenario.disbursements import Treasury
from pac_grants.scenario.encoding import dumps, envelope
from pac_grants.scenario.messages import SOURCES, Draft, Message

MAX_MESSAGE_BYTES = 64 * 1024  # events.md: messages over 64 KiB are rejected
UNKNOWN_CYCLE = 2031  # no packaged ruleset, never opened
UNKNOWN_COMMUNE = "99.999.01.99"  # never registered

Body = dict[str, Any]


def malformed(book: AssessmentBook, treasury: Treasury, finals: dict[int, dict[str, int]]
              ) -> list[Message]:
    messages = []
    target = _target(book)
    if target is not None:
        messages += _assessment_faults(book, *target)
    messages += _revision_faults(book)
    messages += _cycle_faults(book, treasury)
    paid = sorted((c, k) for (c, k), p in treasury.paid.items() if 0 < p < finals[c][k] * 100)
    if paid:
        cycle, code = treasury.rng.choice(paid)
        over = treasury.outstanding(cycle, code, finals[cycle][code]) + 1
        draft = treasury.payment(cycle, code, over, expect="exceeds_outstanding")
        messages.append(draft.encode(book.stamper))
    return messages


def _target(book: AssessmentBook) -> tuple[int, str] | None:
    """A held assessment of a performance window with indicators A2, A3 and B2."""
    ids = {"A2", "A3", "B2"}
    choices = sorted(key for key in book.held
                     if ids <= {i.id for i in book.window(*key).indicators})
    return book.rng.choice(choices) if choices else None


def _assessment_faults(book: AssessmentBook, cycle: int, code: str) -> list[Message]:
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
        messages.append(_message(book, code, faulty, code_expected))
    messages.append(_message(book, code, body, "unsupported_schema_version", version=2))
    messages.append(_message(book, code, body, "unknown_event_type",
                             event_type="AssessmentWithdrawn"))
    messages.append(_too_large(book, code, body))
    messages += _not_json(book, code, body)
    return messages


def _revision_faults(book: AssessmentBook) -> list[Message]:
    messages = []
    revised = sorted(key for key in book.held if book.revision(*key) >= 2)
    if revised:
        cycle, code = book.rng.choice(revised)
        stale = book.payload(cycle, code, 1)
        messages.append(_message(book, code, stale, "stale_revision"))
    cycle, code = book.rng.choice(sorted(book.held))
    conflicting = copy.deepcopy(book.held[(cycle, code)].payload)
    conflicting["conditions"]["MMC1"] = not conflicting["conditions"]["MMC1"]
    messages.append(_message(book, code, conflicting, "conflicting_revision"))
    return messages


def _cycle_faults(book: AssessmentBook, treasury: Treasury) -> list[Message]:
    """A second CycleClosed, a pool for a window the cycle does not have, a payment to a
    commune nobody registered."""
    cycle = min(book.rulesets)
    windows = {w.id for rs in book.rulesets.values() for w in rs.windows}
    foreign = sorted(windows - {w.id for w in book.rulesets[cycle].windows})
    drafts = [Draft("cycles", str(cycle), "CycleClosed", book.stamper.event_id(),
                    {"cycle": cycle}, expect_rejection="cycle_not_open")]
    if foreign:
        drafts.append(Draft("cycles", str(cycle), "PoolAdjusted", book.stamper.event_id(),
                            {"cycle": cycle, "window": foreign[0], "pool_mad": 1_000_000},
                            expect_rejection="unknown_window"))
    drafts.append(treasury.payment(cycle, UNKNOWN_COMMUNE, 100_000, expect="unknown_commune"))
    return [d.encode(book.stamper) for d in drafts]


def _event(book: AssessmentBook, body: Body, *, version: int = 1,
           event_type: str = "AssessmentSubmitted") -> str:
    return dumps(envelope(book.stamper.event_id(), event_type, book.stamper.tick(),
                          SOURCES["assessments"], body, version))


def _message(book: AssessmentBook, key: str, body: Body, expect: str, **options: Any) -> Message:
    value = _event(book, body, **options).encode("utf-8")
    return Message("assessments", key.encode("utf-8"), value, expect)


def _too_large(book: AssessmentBook, key: str, body: Body) -> Message:
    """Valid JSON, valid content, padded with whitespace to one byte over 64 KiB."""
    text = _event(book, body).encode("utf-8")
    padded = b"{" + b" " * (MAX_MESSAGE_BYTES + 1 - len(text)) + text[1:]
    return Message("assessments", key.encode("utf-8"), padded, "message_too_large")


def _not_json(book: AssessmentBook, key: str, body: Body) -> list[Message]:
    text = _event(book, body).encode("utf-8")
    truncated = text[: len(text) // 2]
    not_utf8 = b"\xff\xfe" + text[2:]
    return [Message("assessments", key.encode("utf-8"), raw, "malformed_json")
            for raw in (truncated, not_utf8)]
