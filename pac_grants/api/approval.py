"""Which cycles are approved: the ONE place the reports and the public results ask.

A cycle is approved once its ``CycleClosed`` is posted (docs/events.md s4);
reopened (or notified again after a reopening), it is ``under_review``: its last
approval stays published, marked so. A ledger written without the pipeline's state
(tests, another writer) counts a cycle with an allocation transaction as approved.
"""

from __future__ import annotations

from typing import Literal

from models.codes import CycleState
from pac_grants.ledger import Reader

Approval = Literal["approved", "under_review"]


def approval(reader: Reader, cycle: int) -> Approval | None:
    """``approved``, ``under_review`` (reopened after an approval) or None."""
    row = reader.state.cycle(cycle)
    if row is None:
        summary = reader.postings.summary(cycle) if cycle in reader.postings.cycles() else []
        return "approved" if summary and summary[0].status == "closed" else None
    if row.state == CycleState.APPROVED:
        return "approved"
    return "under_review" if row.approvals else None


def approved_cycles(reader: Reader) -> dict[int, Approval]:
    """Every cycle with an approval, in order, with its :func:`approval`."""
    found = {c: approval(reader, c) for c in reader.postings.cycles()}
    return {c: a for c, a in found.items() if a is not None}


def previous_approved(reader: Reader, cycle: int) -> int | None:
    """The latest approved cycle before ``cycle``, if any."""
    earlier = [c for c in approved_cycles(reader) if c < cycle]
    return earlier[-1] if earlier else None
