"""Assessments: revisions, held assessments, window-dependent validation (docs/events.md).

For one (cycle, commune) the highest revision counts; a lower one than held is
``stale_revision``; the same revision with other content is ``conflicting_revision``
(the same content again has no effect). An assessment whose commune or cycle is not
known yet is *held*; once both are known it is checked against its commune's window
(docs/rules.md s2) and either counts or is dead-lettered then, with its original message.
"""

from __future__ import annotations

from collections.abc import Iterable

from models.codes import DeadLetterCode
from models.decode import Rejection, parse_json
from models.digest import content_digest as event_digest
from models.digest import raw_digest
from models.events import AssessmentSubmitted
from pac_grants.ledger import AssessmentRow, CycleRow
from pac_grants.readside import ruleset_of
from pac_grants.rules.plan import certainly_valid
from pac_grants.rules.scoring import AssessmentInvalid, check_assessment
from pac_grants.rules.types import Assessment
from streams import deadletters
from streams.context import BatchContext
from streams.messages import Message
from streams.refusals import Outcome, Verdict, cycle_closed


def content_digest(raw: bytes) -> str:
    """SHA-256 of the event's content without its envelope, from the message bytes (for
    complaints; assessments and communes take ``models.digest.content_digest`` of the
    decoded event, the same value without parsing again)."""
    return raw_digest(raw)


def apply_assessment(ctx: BatchContext, event: AssessmentSubmitted, raw: bytes) -> Outcome:
    """Keep the revision (counted or held) or refuse it; touch its cycle. Order of checks
    (docs/events.md): the same revision again, the cycle's state, an older revision."""
    digest = event_digest(event)
    known = ctx.cache.revisions(event.cycle, event.commune_code)
    same = next((r for r in known if r.revision == event.revision), None)
    if same is not None:
        if same.digest == digest:
            return Verdict.DUPLICATE
        return _revision_error(DeadLetterCode.CONFLICTING_REVISION, event, f"revision "
                               f"{event.revision} was already received with different content")
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is not None and cycle.approved:
        return cycle_closed(event.cycle, cycle.closed_on, f"revision {event.revision} of "
                            f"{event.commune_code}'s assessment")
    highest = max((r.revision for r in known if r.status != "rejected"), default=0)
    if event.revision < highest:
        return _revision_error(DeadLetterCode.STALE_REVISION, event, f"revision "
                               f"{event.revision} is older than revision {highest}, which counts")
    rejection = window_check(ctx, event.cycle, event.commune_code, event.to_domain())
    if isinstance(rejection, Rejection):
        return rejection
    assert ctx.message is not None
    ctx.cache.add_assessment(AssessmentRow(
        event.cycle, event.commune_code, event.revision, event.event_id, digest,
        raw.decode("utf-8"), rejection, ctx.message.topic, ctx.message.partition,
        ctx.message.offset))
    ctx.touch(event.cycle, event.event_id, event.occurred_at.date())
    return Verdict.APPLIED


def window_check(ctx: BatchContext, number: int, code: str, assessment: Assessment
                 ) -> Rejection | str:
    """``counted`` if valid for its commune's window, ``held`` if the commune or the cycle
    is unknown, else the rejection of docs/rules.md s2 (``check_assessment``, asked only when
    the compiled ruleset cannot tell at once that the assessment is valid)."""
    cycle = ctx.cache.cycle(number)
    if cycle is None or not ctx.cache.has_commune(code):
        return "held"
    ruleset = ruleset_of(cycle)
    window = ruleset.window(window_of(ctx, cycle, code) or "")
    if window is None:
        return "counted"  # outside every window: the engine reports no_window (s3)
    if certainly_valid(ruleset, assessment, window.id):
        return "counted"
    try:
        check_assessment(ruleset, assessment, window.id)
    except AssessmentInvalid as exc:
        details = [] if exc.field is None else [{"field": exc.field, "value": str(exc.value)}]
        return Rejection(exc.code, f"{exc.message} (window {window.id} of {ruleset.id})",
                         details)
    return "counted"


def window_of(ctx: BatchContext, cycle: CycleRow, code: str) -> str | None:
    """The window of a registered commune in a cycle (its census population, s1/s3)."""
    commune = ctx.cache.commune(code)
    if commune is None:
        return None
    ruleset = ruleset_of(cycle)
    window = ruleset.window_of(commune.population.get(ruleset.population_census, 0))
    return None if window is None else window.id


def release_pending(ctx: BatchContext) -> None:
    """Release the held assessments of the communes and cycles the batch made known."""
    if ctx.release_codes:
        release_held(ctx, codes=sorted(ctx.release_codes))
    if ctx.release_cycles:
        release_held(ctx, cycles=sorted(ctx.release_cycles))
    ctx.release_codes.clear()
    ctx.release_cycles.clear()


def release_held(ctx: BatchContext, cycles: Iterable[int] | None = None,
                 codes: Iterable[str] | None = None) -> None:
    """Held assessments whose commune and cycle are now known: count or dead-letter."""
    ctx.cache.flush()
    for row in ctx.uow.state.held(cycles, codes):
        event = AssessmentSubmitted.model_validate(parse_json(row.payload.encode("utf-8")))
        verdict = window_check(ctx, row.cycle, row.commune_code, event.to_domain())
        if verdict == "held":
            continue
        cycle = ctx.cache.cycle(row.cycle)
        if cycle is not None and cycle.approved:  # released into a frozen cycle
            verdict = cycle_closed(row.cycle, cycle.closed_on, f"the held revision "
                                   f"{row.revision} of {row.commune_code}'s assessment")
        if isinstance(verdict, Rejection):
            ctx.cache.forget(row)  # its dead letter keeps it for a replay
            original = Message(row.source_topic, row.source_partition, row.source_offset,
                               row.commune_code.encode("utf-8"), row.payload.encode("utf-8"))
            deadletters.write(ctx.uow, ctx.topic("dead-letters"), original, verdict,
                              ctx.received_at)
            ctx.outcome.rejected.append((row.source_topic, verdict.code))
            continue
        ctx.cache.set_status(row, "counted")
        ctx.touch(row.cycle, row.event_id, event.occurred_at.date())


def _revision_error(code: str, event: AssessmentSubmitted, message: str) -> Rejection:
    return Rejection(code, f"{message} (cycle {event.cycle}, commune {event.commune_code})",
                     [{"field": "revision", "value": str(event.revision)}])
