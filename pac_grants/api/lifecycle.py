"""A cycle's life (issue 10): ``GET /api/v1/cycles/{cycle}/lifecycle``.

The summary (``/cycles``) says a cycle's state, last approval date and decision; a
finance officer also asks when results were notified, until when complaints were
taken, who approved, and whether and why a decision reopened the cycle. Those dates
and decisions are the pipeline's own record of the cycle (docs/events.md
s4), read in one read-only transaction. A ledger written without the pipeline's
state (tests, another writer) gives the state the summary gives and no dates.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from models.codes import CycleState
from pac_grants.api.routes import Cycle, Db

router = APIRouter(prefix="/api/v1", tags=["lifecycle"])


class CycleLife(BaseModel):
    """The dates and decisions of a cycle, from its opening to its last approval."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cycle: int
    state: CycleState = Field(description="open, notified, approved or reopened.")
    ruleset_id: str | None = None
    opened_on: date | None = None
    notified_on: date | None = Field(default=None, description="Results notified on.")
    complaint_deadline: date | None = Field(default=None, description="Last day for complaints.")
    approvals: int = Field(description="1 after the first approval, 2 after a reopening "
                                        "and another approval, ...")
    first_closed_on: date | None = Field(default=None, description="Date of the first approval.")
    closed_on: date | None = Field(default=None, description="Date of the last approval.")
    decision_ref: str | None = Field(default=None, description="The last approval's decision.")
    approved_by: str | None = None
    reopened_on: date | None = Field(default=None, description="Date of the decision that "
                                                               "reopened the cycle, if any.")
    reopen_ref: str | None = None
    reopen_reason: str | None = None


@router.get("/cycles/{cycle}/lifecycle", response_model=CycleLife,
            summary="A cycle's dates and decisions (docs/events.md)")
def lifecycle(cycle: Cycle, db: Db) -> CycleLife:
    """State, opening, notification and complaint deadline, approvals with their date
    and decision, and the reopening decision with its reason."""
    with db.reader() as reader:
        row = reader.state.cycle(cycle)
        if row is None:
            [summary] = reader.postings.summary(cycle)  # NotFound: 404
            return CycleLife(cycle=cycle, state=summary.state,
                             approvals=1 if summary.status == "closed" else 0)
    return CycleLife(
        cycle=cycle, state=row.state, ruleset_id=row.ruleset_id, opened_on=row.opened_on,
        notified_on=row.notified_on, complaint_deadline=row.complaint_deadline,
        approvals=row.approvals, first_closed_on=row.first_closed_on, closed_on=row.closed_on,
        decision_ref=row.decision_ref, approved_by=row.approved_by,
        reopened_on=row.reopened_on, reopen_ref=row.reopen_ref,
        reopen_reason=row.reopen_reason)
