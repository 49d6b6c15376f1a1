"""What each input event does to the state and the ledger (docs/events.md, docs/ledger.md).

Each ``apply_*`` runs inside the batch's database transaction and returns a
:class:`~models.decode.Rejection` for a message the pipeline refuses (the codes that need
state), :attr:`Verdict.DUPLICATE` for one with no new effect, else
:attr:`Verdict.APPLIED`. The amounts come from the rules engine (streams/cycles.py), never
from here. The governance events are in streams/lifecycle.py and streams/complaints.py,
the treasury's in streams/payments.py.
"""

from __future__ import annotations

from models.codes import DeadLetterCode, TransactionKind
from models.digest import content_digest
from models.events import (
    AssessmentSubmitted,
    CommuneRegistered,
    CycleClosed,
    CycleOpened,
    DisbursementExecuted,
    PoolAdjusted,
    RecoveryReceived,
)
from models.fields import Pool
from models.governance import ComplaintDecided, ComplaintLodged, CycleReopened, ResultsNotified
from models.topics import InputEvent
from pac_grants import money
from pac_grants.ledger import Posting, StoredCommune, TransactionSpec
from pac_grants.rules.ruleset import packaged_ruleset_by_id
from streams import assessments, complaints, lifecycle, payments, treasury
from streams.context import BatchContext
from streams.refusals import Outcome, Verdict, cycle_closed, refuse, unknown_cycle


def apply(ctx: BatchContext, event: InputEvent, raw: bytes) -> Outcome:
    """Dispatch on the event type (docs/events.md s3-7)."""
    match event:
        case CommuneRegistered():
            return apply_commune(ctx, event, raw)
        case CycleOpened():
            return apply_opened(ctx, event)
        case PoolAdjusted():
            return apply_pool(ctx, event)
        case ResultsNotified():
            return lifecycle.apply_notified(ctx, event)
        case CycleClosed():
            return lifecycle.apply_closed(ctx, event)
        case CycleReopened():
            return lifecycle.apply_reopened(ctx, event)
        case ComplaintLodged():
            return complaints.apply_lodged(ctx, event, raw)
        case ComplaintDecided():
            return complaints.apply_decided(ctx, event, raw)
        case DisbursementExecuted():
            return payments.apply_disbursement(ctx, event)
        case RecoveryReceived():
            return payments.apply_recovery(ctx, event)
        case AssessmentSubmitted():
            return assessments.apply_assessment(ctx, event, raw)


def apply_commune(ctx: BatchContext, event: CommuneRegistered, raw: bytes) -> Outcome:
    """Upsert by code; a change touches every cycle whose inputs count (an approved cycle
    keeps the data of its approval: docs/events.md s3.1)."""
    digest = content_digest(event)
    if ctx.cache.commune_digest(event.code) == digest:
        return Verdict.DUPLICATE
    commune = event.to_domain()
    ctx.cache.put_commune(StoredCommune(event.code, event.event_id, raw.decode("utf-8"), digest),
                          commune)
    ctx.cache.reference_rows.append({
        "code": commune.code, "name_fr": commune.name_fr, "name_ar": commune.name_ar,
        "region": commune.region, "province": commune.province,
        "population_2014": commune.population.get(2014),
        "population_2024": commune.population.get(2024),
        "participating": commune.participating})
    for number, cycle in ctx.cache.cycles().items():
        if not cycle.approved:
            ctx.touch(number, event.event_id, event.occurred_at.date())
    ctx.release_codes.add(event.code)
    return Verdict.APPLIED


def apply_opened(ctx: BatchContext, event: CycleOpened) -> Outcome:
    """Open the cycle with the content of its ruleset (kept for good), post its envelope:
    funding -P, pool +P per window."""
    known = ctx.cache.cycle(event.cycle)
    if known is not None:
        return refuse(DeadLetterCode.CYCLE_NOT_OPEN, f"cycle {event.cycle} was already "
                      f"opened (it is {known.state}); CycleOpened comes once per cycle",
                      "cycle", event.cycle)
    ruleset = packaged_ruleset_by_id(event.ruleset_id)
    ctx.uow.state.open_cycle(
        event.cycle, event.ruleset_id, ruleset.document,
        {w: pool.total for w, pool in event.pools.items()},
        {w: dict(pool.financiers) for w, pool in event.pools.items() if pool.financiers},
        event.event_id, event.occurred_at.date())
    opened = ctx.cache.refresh_cycle(event.cycle)
    for window, pool in sorted(event.pools.items()):
        _envelope(ctx, event, window, _funding(event.cycle, window, None, pool),
                  f"pool of {window} opened")
    previous = ctx.cache.cycle(event.cycle - 1)
    if previous is not None and previous.carried_out and previous.first_closed_on:
        treasury.carry_in(ctx, previous.cycle, previous.carried_out,
                          previous.first_closed_on, opened)
    ctx.touch(event.cycle, event.event_id, event.occurred_at.date())
    ctx.release_cycles.add(event.cycle)
    ctx.lifecycle_touched.add(event.cycle)
    return Verdict.APPLIED


def apply_pool(ctx: BatchContext, event: PoolAdjusted) -> Outcome:
    """A window's new pool: an envelope by the difference, then recomputation."""
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return unknown_cycle(event.cycle)
    if event.window not in cycle.pools:
        return refuse(DeadLetterCode.UNKNOWN_WINDOW, f"cycle {event.cycle} has no window "
                      f"{event.window!r}", "window", event.window)
    if cycle.approved:
        return cycle_closed(event.cycle, cycle.closed_on, f"a pool change of {event.window}")
    before = Pool(cycle.pools[event.window],
                  tuple(sorted(cycle.financiers.get(event.window, {}).items())))
    if event.pool_mad == before:
        return Verdict.DUPLICATE
    financiers = dict(cycle.financiers)
    financiers.pop(event.window, None)
    if event.pool_mad.financiers:
        financiers[event.window] = dict(event.pool_mad.financiers)
    ctx.uow.state.update_cycle(
        event.cycle, pools=cycle.pools | {event.window: event.pool_mad.total},
        financiers=financiers)
    ctx.cache.refresh_cycle(event.cycle)
    _envelope(ctx, event, event.window,
              _funding(event.cycle, event.window, before, event.pool_mad),
              f"pool of {event.window} set to {event.pool_mad.total} MAD")
    ctx.touch(event.cycle, event.event_id, event.occurred_at.date())
    return Verdict.APPLIED


def _funding(cycle: int, window: str, before: Pool | None, after: Pool) -> dict[str, int]:
    """The change of each funding account (centimes): per financier when the pool names
    them (docs/ledger.md s2), else the window's one account."""
    def accounts(pool: Pool | None) -> dict[str, int]:
        if pool is None:
            return {}
        if not pool.financiers:
            return {f"funding:{cycle}:{window}": money.centimes(pool.total)}
        return {f"funding:{cycle}:{window}:{name}": money.centimes(part)
                for name, part in pool.financiers}

    old, new = accounts(before), accounts(after)
    return {a: new.get(a, 0) - old.get(a, 0) for a in sorted(set(old) | set(new))
            if new.get(a, 0) != old.get(a, 0)}


def _envelope(ctx: BatchContext, event: CycleOpened | PoolAdjusted, window: str,
              funding: dict[str, int], reason: str) -> None:
    """funding -P (per account), pool +P: the window's envelope or its change."""
    postings = [Posting(account, -amount) for account, amount in funding.items()]
    postings.append(Posting(f"pool:{event.cycle}:{window}", sum(funding.values())))
    ctx.post(TransactionSpec(
        f"envelope:{event.cycle}:{window}:{event.event_id}", TransactionKind.ENVELOPE,
        event.cycle, window, tuple(postings), (event.event_id,), None, None, None,
        event.occurred_at.date(), reason))
