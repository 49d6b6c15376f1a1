"""The complaints register (docs/events.md "Complaints").

``ComplaintLodged``: same id again (no effect, or ``conflicting_revision`` with other
content), unknown cycle or commune, the cycle's state (approved: ``cycle_closed``; not
notified: ``cycle_not_notified``), the date (after the deadline: ``complaint_late``, a
dead letter counted in the register's totals), then subjects that are not conditions or
indicators of the commune's window nor one of :data:`INPUT_SUBJECTS` (like an
assessment's window check, after the state). ``ComplaintDecided``: decided again,
unknown complaint, state, dates. Neither changes an amount by itself: an
upheld complaint names the revision that carries the correction.
"""

from __future__ import annotations

from models.codes import CycleState, DeadLetterCode
from models.decode import Rejection
from models.governance import ComplaintDecided, ComplaintLodged
from pac_grants.ledger import ComplaintRow, CycleRow
from pac_grants.readside import ruleset_of
from streams import assessments
from streams.context import BatchContext
from streams.refusals import (
    Outcome,
    Verdict,
    cycle_closed,
    date_order,
    refuse,
    unknown_commune,
    unknown_cycle,
)

#: Subjects that are inputs rather than indicators or conditions.
INPUT_SUBJECTS = frozenset({"population", "investment_budget_mad", "participating",
                            "eligibility"})


def apply_lodged(ctx: BatchContext, event: ComplaintLodged, raw: bytes) -> Outcome:
    digest = assessments.content_digest(raw)
    known = ctx.uow.state.complaint(event.complaint_id)
    if known is not None:
        return Verdict.DUPLICATE if known.digest == digest else refuse(
            DeadLetterCode.CONFLICTING_REVISION, f"complaint {event.complaint_id} was "
            "already lodged with other content", "complaint_id", event.complaint_id)
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return unknown_cycle(event.cycle)
    if event.commune_code not in ctx.cache.communes():
        return unknown_commune(event.commune_code)
    refused = (_lodging_state(cycle, event) or _lodging_dates(cycle, event)
               or _subjects(ctx, cycle, event))
    if refused is not None:
        return refused
    ctx.uow.state.add_complaint(ComplaintRow(
        event.complaint_id, event.cycle, event.commune_code, event.lodged_on,
        tuple(event.subjects), event.summary, event.event_id, digest))
    ctx.lifecycle_touched.add(event.cycle)
    return Verdict.APPLIED


def _subjects(ctx: BatchContext, cycle: CycleRow, event: ComplaintLodged) -> Rejection | None:
    ruleset = ruleset_of(cycle)
    window = ruleset.window(assessments.window_of(ctx, cycle, event.commune_code) or "")
    conditions = {c.id for c in ruleset.conditions}
    indicators = {i.id for i in window.indicators} if window else set()
    for subject in event.subjects:
        if subject in conditions | indicators | INPUT_SUBJECTS:
            continue
        looks_like_condition = any(subject.rstrip("0123456789") == c.rstrip("0123456789")
                                   for c in conditions)
        code = (DeadLetterCode.UNKNOWN_CONDITION if looks_like_condition
                else DeadLetterCode.UNKNOWN_INDICATOR)
        where = f"window {window.id!r}" if window else "any window"
        return refuse(code, f"complaint {event.complaint_id}: {subject} is not a condition or "
                      f"an indicator of commune {event.commune_code}'s {where} in "
                      f"{ruleset.id}, nor one of {', '.join(sorted(INPUT_SUBJECTS))}",
                      "subjects", subject)
    return None


def _lodging_state(cycle: CycleRow, event: ComplaintLodged) -> Rejection | None:
    if cycle.approved:
        return cycle_closed(event.cycle, cycle.closed_on, f"complaint {event.complaint_id}")
    if cycle.state != CycleState.NOTIFIED:
        return refuse(DeadLetterCode.CYCLE_NOT_NOTIFIED, f"complaint {event.complaint_id}: "
                      f"the results of cycle {event.cycle} are not notified ({cycle.state}); "
                      "complaints follow a ResultsNotified", "cycle", event.cycle)
    return None


def _lodging_dates(cycle: CycleRow, event: ComplaintLodged) -> Rejection | None:
    deadline, notified = cycle.complaint_deadline, cycle.notified_on
    if deadline and event.lodged_on > deadline:
        return refuse(DeadLetterCode.COMPLAINT_LATE, f"complaint {event.complaint_id} of "
                      f"{event.commune_code} was lodged on {event.lodged_on}, after cycle "
                      f"{event.cycle}'s deadline {deadline}", "lodged_on", event.lodged_on)
    if notified and event.lodged_on < notified:
        return date_order("lodged_on", event.lodged_on, f"is before cycle {event.cycle}'s "
                          f"results were notified on {notified}")
    return None


def apply_decided(ctx: BatchContext, event: ComplaintDecided, raw: bytes) -> Outcome:
    """Order of checks: decided already (the same content again: no effect; other
    content: ``conflicting_revision``), then an unknown complaint (or one of another
    commune or cycle), the state, the dates."""
    known = ctx.uow.state.complaint(event.complaint_id)
    digest = assessments.content_digest(raw)
    if known is not None and known.decision_digest is not None:
        return Verdict.DUPLICATE if known.decision_digest == digest else refuse(
            DeadLetterCode.CONFLICTING_REVISION, f"complaint {event.complaint_id} was already "
            f"decided ({known.outcome} on {known.decided_on})", "complaint_id",
            event.complaint_id)
    if known is None or (known.cycle, known.commune_code) != (event.cycle, event.commune_code):
        return refuse(DeadLetterCode.UNKNOWN_COMPLAINT, f"no complaint {event.complaint_id} "
                      f"of commune {event.commune_code} in cycle {event.cycle}",
                      "complaint_id", event.complaint_id)
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is not None and cycle.approved:
        return cycle_closed(event.cycle, cycle.closed_on, f"the decision of complaint "
                            f"{event.complaint_id}")
    if event.decided_on < known.lodged_on:
        return date_order("decided_on", event.decided_on, f"is before complaint "
                          f"{event.complaint_id} was lodged on {known.lodged_on}")
    ctx.uow.state.decide_complaint(event.complaint_id, decided_on=event.decided_on,
                                   outcome=event.outcome, revision=event.revision,
                                   decision_event_id=event.event_id, decision_digest=digest)
    ctx.lifecycle_touched.add(event.cycle)
    return Verdict.APPLIED
