"""A cycle's governance: notification, approval, reopening (docs/events.md s4).

    open --ResultsNotified--> notified --CycleClosed--> approved --CycleReopened--> reopened
      \\------------------ CycleClosed (no notification) ---------^      (and round again)

Checks run in the order of docs/events.md "Order of checks": unknown cycle, state,
dates, complaints, inputs. An approval posts the final allocation (first approval) or the
differences (later ones), freezes the commune data it used and publishes the result as
``final``; a notification publishes it as ``notified`` (both computed in the batch and
sent through the outbox, never left to the provisional timer).
"""

from __future__ import annotations

from models.codes import CycleState, DeadLetterCode, ResultStatus
from models.decode import Rejection
from models.events import CycleClosed
from models.governance import CycleReopened, ResultsNotified
from pac_grants import readside
from pac_grants.ledger import ComplaintRow, CycleRow
from pac_grants.readside import ruleset_of
from pac_grants.rules.engine import CycleResult
from streams import assessments, cycles, treasury
from streams.context import BatchContext
from streams.refusals import Outcome, Verdict, date_order, refuse, unknown_cycle


def apply_notified(ctx: BatchContext, event: ResultsNotified) -> Outcome:
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return unknown_cycle(event.cycle)
    if cycle.approved:
        return refuse(DeadLetterCode.CYCLE_NOT_OPEN, f"cycle {event.cycle} is approved (on "
                      f"{cycle.closed_on}): results are notified before approval, or after "
                      "a CycleReopened", "cycle", event.cycle)
    if event.complaint_deadline < event.notified_on:
        return date_order("complaint_deadline", event.complaint_deadline,
                          f"is before notified_on {event.notified_on} (cycle {event.cycle})")
    if cycle.reopened_on and event.notified_on < cycle.reopened_on:
        return date_order("notified_on", event.notified_on, f"is before cycle {event.cycle} "
                          f"was reopened on {cycle.reopened_on}")
    ctx.uow.state.update_cycle(event.cycle, state=CycleState.NOTIFIED,
                               notified_on=event.notified_on,
                               complaint_deadline=event.complaint_deadline)
    ctx.cache.refresh_cycle(event.cycle)
    assessments.release_pending(ctx)
    ctx.dirty.pop(event.cycle, None)  # this result covers the batch's earlier changes
    cycles.refresh(ctx, event.cycle, ResultStatus.NOTIFIED)
    ctx.lifecycle_touched.add(event.cycle)
    return Verdict.APPLIED


def apply_reopened(ctx: BatchContext, event: CycleReopened) -> Outcome:
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return unknown_cycle(event.cycle)
    if not cycle.approved:
        return refuse(DeadLetterCode.CYCLE_NOT_CLOSED, f"cycle {event.cycle} is "
                      f"{cycle.state}: only an approved cycle can be reopened", "cycle",
                      event.cycle)
    if cycle.closed_on and event.reopened_on < cycle.closed_on:
        return date_order("reopened_on", event.reopened_on, f"is before cycle {event.cycle}"
                          f" was approved on {cycle.closed_on}")
    ctx.uow.state.update_cycle(event.cycle, state=CycleState.REOPENED,
                               reopened_on=event.reopened_on, reopen_ref=event.decision_ref,
                               reopen_reason=event.reason)
    ctx.cache.refresh_cycle(event.cycle)
    ctx.touch(event.cycle, event.event_id, event.reopened_on)
    ctx.lifecycle_touched.add(event.cycle)
    return Verdict.APPLIED


def apply_closed(ctx: BatchContext, event: CycleClosed) -> Outcome:
    """The approval, posted at once so that later events of the batch see it."""
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return unknown_cycle(event.cycle)
    if cycle.approved:
        return refuse(DeadLetterCode.CYCLE_NOT_OPEN, f"cycle {event.cycle} is already "
                      f"approved (on {cycle.closed_on}); a CycleReopened must come first",
                      "cycle", event.cycle)
    complaints = ctx.uow.state.complaints(event.cycle)
    refused = (_dates(cycle, event, complaints) or _complaints(ctx, event.cycle, complaints)
               or _previous_open(ctx, cycle))  # docs/events.md s10: steps 6, 7
    if refused is not None:
        return refused
    assessments.release_pending(ctx)
    result = cycles.compute(ctx, event.cycle)
    if event.inputs_digest and event.inputs_digest != result.inputs_digest:
        return refuse(DeadLetterCode.INPUTS_CHANGED, f"cycle {event.cycle}'s inputs changed "
                      f"since the results it approves ({event.inputs_digest}); now "
                      f"{result.inputs_digest}", "inputs_digest", event.inputs_digest)
    _approve(ctx, cycle, event, result)
    return Verdict.APPLIED


def _previous_open(ctx: BatchContext, cycle: CycleRow) -> Rejection | None:
    """N+1 waits for N's first approval when N carries its unallocated money over."""
    previous = ctx.cache.cycle(cycle.cycle - 1)
    if previous is None or previous.approvals:
        return None
    if ruleset_of(previous).payment.unallocated != "carry_over":
        return None
    return refuse(DeadLetterCode.PREVIOUS_CYCLE_OPEN, f"cycle {cycle.cycle} cannot be "
                  f"approved before cycle {previous.cycle}, which carries its unallocated "
                  f"money over to it ({previous.cycle} is {previous.state})", "cycle",
                  cycle.cycle)


def _dates(cycle: CycleRow, event: CycleClosed,
           complaints: list[ComplaintRow]) -> Rejection | None:
    closed_on = event.approval_date
    deadline = cycle.complaint_deadline
    if cycle.state == CycleState.NOTIFIED and deadline and closed_on <= deadline:
        return refuse(DeadLetterCode.COMPLAINT_WINDOW_OPEN, f"cycle {event.cycle} takes "
                      f"complaints until {deadline}: it cannot be approved on {closed_on}",
                      "closed_on", closed_on)
    if cycle.reopened_on and closed_on < cycle.reopened_on:
        return date_order("closed_on", closed_on, f"is before cycle {event.cycle} was "
                          f"reopened on {cycle.reopened_on}")
    decided = [c for c in complaints if c.decided_on and c.decided_on > closed_on]
    if decided:
        last = max(decided, key=lambda c: c.decided_on or closed_on)
        return date_order("closed_on", closed_on, f"is before complaint {last.complaint_id} "
                          f"was decided on {last.decided_on} (cycle {event.cycle})")
    return None


def _complaints(ctx: BatchContext, cycle: int,
                complaints: list[ComplaintRow]) -> Rejection | None:
    """Every complaint decided, and every upheld one's correcting revision counted."""
    undecided = [c.complaint_id for c in complaints if c.outcome is None]
    if undecided:
        return refuse(DeadLetterCode.COMPLAINTS_OPEN, f"cycle {cycle} has "
                      f"{len(undecided)} complaint(s) not decided: {', '.join(undecided[:5])}",
                      "cycle", cycle)
    ctx.cache.flush()
    counted = ctx.uow.state.counted(cycle)
    waiting = [c for c in complaints if c.outcome == "upheld" and c.revision is not None
               and (c.commune_code not in counted
                    or counted[c.commune_code].revision < c.revision)]
    if waiting:
        first = waiting[0]
        return refuse(DeadLetterCode.COMPLAINTS_OPEN, f"cycle {cycle}: complaint "
                      f"{first.complaint_id} was upheld with revision {first.revision} of "
                      f"{first.commune_code}'s assessment, which has not arrived", "cycle",
                      cycle)
    return None


def _approve(ctx: BatchContext, cycle: CycleRow, event: CycleClosed,
             result: CycleResult) -> None:
    approval, closed_on = cycle.approvals + 1, event.approval_date
    dirty = ctx.dirty.pop(event.cycle, None)
    causes = (event.event_id, *(dirty.causes if dirty else ()))
    treasury.post_approval(ctx, cycle, result, closed_on, approval, causes)
    ctx.uow.state.freeze_communes(event.cycle, readside.placed_communes(
        ctx.uow, cycle, ctx.cache.parsed_communes()))
    ctx.uow.state.approve(event.cycle, event.event_id, closed_on=closed_on,
                          first_closed_on=cycle.first_closed_on or closed_on,
                          decision_ref=event.decision_ref, approved_by=event.approved_by)
    ctx.cache.refresh_cycle(event.cycle)
    cycles.publish(ctx.uow, ctx.topic("allocations"), result, ResultStatus.FINAL)
    ctx.lifecycle_touched.add(event.cycle)
    ctx.closings.add(event.cycle)
