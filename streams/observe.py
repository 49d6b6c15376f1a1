"""Reporting a committed batch to the observer (docs/operations.md "Metrics").

Called from the agents' layer after the database commit, never from the rules.
"""

from __future__ import annotations

from pac_grants.observer import Observer
from streams.messages import BatchOutcome


def report(observer: Observer, outcome: BatchOutcome) -> None:
    topic = outcome.topic or "unknown"
    if outcome.consumed:
        observer.consumed(topic, outcome.consumed)
    for _ in range(outcome.duplicates):
        observer.duplicate(topic)
    if outcome.topic is not None:  # a batch of input (not a provisional round)
        observer.ledger_written(dict(outcome.ledger_kinds), outcome.seconds)
    for stage, seconds in outcome.stages.items():
        observer.stage_took(stage, seconds)
    for source, code in outcome.rejected:
        observer.rejected(source, code)
    for occurred_at in outcome.committed_events:
        observer.event_committed(occurred_at)
    for cycle, window, pool, allocated, unallocated, eligible, seconds in outcome.allocations:
        observer.allocation_computed(cycle, window, pool, allocated, unallocated, eligible,
                                     seconds)
    for cycle, (state, complaints_open) in outcome.lifecycle.items():
        observer.cycle_life(cycle, state, complaints_open)
