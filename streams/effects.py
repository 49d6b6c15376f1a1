"""What each input event does to the state and the ledger (events.md, ledger.md).

Each ``apply_*`` runs inside the batch's database transaction and returns a
:class:`~models.decode.Rejection` for a message the pipeline refuses (codes that need
state: ``unknown_cycle``, ``unknown_commune``, ``stale_revision``,
``conflicting_revision``, ``cycle_not_open``, ``cycle_not_closed``,
``exceeds_outstanding``), :data:`DUPLICATE` for one with no new effect, else ``None``.
The amounts themselves come from the rules engine (streams/cycles.py), never from here.
"""

from __future__ import annotations

from typing import Final

from models.codes import TransactionKind
from models.decode import Rejection
from models.events import (
    CommuneRegistered,
    CycleClosed,
    CycleOpened,
    DisbursementExecuted,
    InputEvent,
    PoolAdjusted,
)
from pac_grants import money
from pac_grants.ledger import Posting, StoredCommune, TransactionSpec
from streams import assessments, cycles
from streams.context import BatchContext, Dirty

DUPLICATE: Final = "duplicate"
Outcome = Rejection | str | None


def apply(ctx: BatchContext, event: InputEvent, raw: bytes) -> Outcome:
    """Dispatch on the event type (events.md "Input events")."""
    if isinstance(event, CommuneRegistered):
        return apply_commune(ctx, event, raw)
    if isinstance(event, CycleOpened):
        return apply_opened(ctx, event)
    if isinstance(event, PoolAdjusted):
        return apply_pool(ctx, event)
    if isinstance(event, CycleClosed):
        return apply_closed(ctx, event)
    if isinstance(event, DisbursementExecuted):
        return apply_disbursement(ctx, event)
    return assessments.apply_assessment(ctx, event, raw)


def apply_commune(ctx: BatchContext, event: CommuneRegistered, raw: bytes) -> Outcome:
    """Upsert by code; a change touches every known cycle (commune data is an input)."""
    digest = assessments.content_digest(raw)
    known = ctx.cache.communes().get(event.code)
    if known is not None and known.digest == digest:
        return DUPLICATE
    ctx.cache.put_commune(StoredCommune(event.code, event.event_id, raw.decode("utf-8"), digest))
    commune = event.to_domain()
    ctx.cache.reference_rows.append({
        "code": commune.code, "name_fr": commune.name_fr, "name_ar": commune.name_ar,
        "region": commune.region, "province": commune.province,
        "population_2014": commune.population.get(2014),
        "population_2024": commune.population.get(2024),
        "participating": commune.participating})
    for cycle in ctx.cache.cycles():
        ctx.touch(cycle, event.event_id, event.occurred_at.date())
    ctx.release_codes.add(event.code)
    return None


def apply_opened(ctx: BatchContext, event: CycleOpened) -> Outcome:
    """Open the cycle and post its envelope: funding -P, pool +P per window."""
    known = ctx.cache.cycle(event.cycle)
    if known is not None:
        return Rejection("cycle_not_open", f"cycle {event.cycle} was already opened "
                         f"(it is {known.status}); CycleOpened comes once per cycle",
                         [{"field": "cycle", "value": str(event.cycle)}])
    pools = dict(event.pools)
    ctx.uow.state.open_cycle(event.cycle, event.ruleset_id, pools, event.event_id)
    ctx.cache.refresh_cycle(event.cycle)
    for window, pool in sorted(pools.items()):
        _envelope(ctx, event, window, money.centimes(pool), f"pool of {window} opened")
    ctx.touch(event.cycle, event.event_id, event.occurred_at.date())
    ctx.release_cycles.add(event.cycle)
    return None


def apply_pool(ctx: BatchContext, event: PoolAdjusted) -> Outcome:
    """A window's new pool: an envelope by the difference, then recomputation."""
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return _unknown_cycle(event.cycle)
    if event.window not in cycle.pools:
        return Rejection("unknown_window", f"cycle {event.cycle} has no window "
                         f"{event.window!r}", [{"field": "window", "value": event.window}])
    difference = event.pool_mad - cycle.pools[event.window]
    if difference == 0:
        return DUPLICATE
    ctx.uow.state.set_pools(event.cycle, cycle.pools | {event.window: event.pool_mad})
    ctx.cache.refresh_cycle(event.cycle)
    _envelope(ctx, event, event.window, money.centimes(difference),
              f"pool of {event.window} set to {event.pool_mad} MAD")
    ctx.touch(event.cycle, event.event_id, event.occurred_at.date())
    return None


def apply_closed(ctx: BatchContext, event: CycleClosed) -> Outcome:
    """Close the cycle and post its final allocation now, so that later events of the
    same batch (appeals, payments) see it; later changes become adjustments."""
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return _unknown_cycle(event.cycle)
    if cycle.status != "open":
        return Rejection("cycle_not_open", f"cycle {event.cycle} is already closed",
                         [{"field": "cycle", "value": str(event.cycle)}])
    ctx.uow.state.close_cycle(event.cycle, event.event_id)
    ctx.cache.refresh_cycle(event.cycle)
    assessments.release_pending(ctx)
    ctx.dirty.pop(event.cycle, None)  # the final allocation covers earlier changes
    closing = Dirty()
    closing.add(event.event_id, event.occurred_at.date())
    cycles.refresh(ctx, event.cycle, closing)
    return None


def apply_disbursement(ctx: BatchContext, event: DisbursementExecuted) -> Outcome:
    """payable -x, paid +x; only for a closed cycle, never beyond the outstanding."""
    if ctx.uow.state.disbursement_known(event.payment_ref):
        return DUPLICATE
    cycle = ctx.cache.cycle(event.cycle)
    if cycle is None:
        return _unknown_cycle(event.cycle)
    code, amount = event.commune_code, event.amount_centimes
    if code not in ctx.cache.communes():
        return Rejection("unknown_commune", f"commune {code} is not registered",
                         [{"field": "commune_code", "value": code}])
    if cycle.status != "closed":
        return Rejection("cycle_not_closed", f"cycle {event.cycle} is not closed yet: "
                         "payments follow the final allocation",
                         [{"field": "cycle", "value": str(event.cycle)}])
    outstanding = ctx.uow.postings.balance(f"payable:{event.cycle}:{code}")
    if amount > outstanding:
        return Rejection("exceeds_outstanding", f"payment of {event.amount_mad} MAD exceeds "
                         f"the outstanding {money.text(outstanding)} MAD of {code} "
                         f"in cycle {event.cycle}",
                         [{"field": "amount_mad", "value": str(event.amount_mad)}])
    ctx.uow.state.add_disbursement(event.payment_ref, event.cycle, code, amount,
                           event.event_id)
    window = assessments.window_of(ctx, cycle, code)
    ctx.post(TransactionSpec(
        f"disbursement:{event.cycle}:{event.payment_ref}", TransactionKind.DISBURSEMENT,
        event.cycle,
        window,
        (Posting(f"payable:{event.cycle}:{code}", -amount),
         Posting(f"paid:{event.cycle}:{code}", amount)),
        (event.event_id,), cycle.ruleset_id, None, None, event.paid_on,
        f"payment {event.payment_ref} of {event.amount_mad} MAD",
        {"payment_ref": event.payment_ref}))
    return None


def _envelope(ctx: BatchContext, event: CycleOpened | PoolAdjusted, window: str,
              centimes: int, reason: str) -> None:
    ctx.post(TransactionSpec(
        f"envelope:{event.cycle}:{window}:{event.event_id}", TransactionKind.ENVELOPE,
        event.cycle, window,
        (Posting(f"funding:{event.cycle}:{window}", -centimes),
         Posting(f"pool:{event.cycle}:{window}", centimes)),
        (event.event_id,), None, None, None, event.occurred_at.date(), reason))


def _unknown_cycle(cycle: int) -> Rejection:
    return Rejection("unknown_cycle", f"cycle {cycle} was never opened (no CycleOpened)",
                     [{"field": "cycle", "value": str(cycle)}])
