"""The events of a cycle's governance (docs/events.md s4, s6): notification,
complaints, approval, reopening.

``ResultsNotified`` and ``CycleReopened`` travel on ``pac.cycles.v1`` beside
``CycleOpened``/``CycleClosed``; ``ComplaintLodged`` and ``ComplaintDecided`` on
``pac.complaints.v1``, keyed by commune code. Checks that need the cycle's state (its
deadline, its complaints) are the pipeline's; the ones a single message decides are here.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from models.events import Event
from models.fields import CommuneCode, Cycle, Day, Revision, Text

Subjects = Annotated[list[Text], Field(min_length=1, max_length=64)]


class ResultsNotified(Event):
    """The results are notified to the communes; complaints are taken until the deadline."""

    event_type: Literal["ResultsNotified"]
    cycle: Cycle
    notified_on: Day
    complaint_deadline: Day


class ComplaintLodged(Event):
    """A commune contests its result on the named conditions, indicators or inputs."""

    event_type: Literal["ComplaintLodged"]
    complaint_id: Text
    cycle: Cycle
    commune_code: CommuneCode
    lodged_on: Day
    subjects: Subjects
    summary: Text | None = None


class ComplaintDecided(Event):
    """The committee's decision; ``upheld`` names the assessment revision that carries
    the correction (it may arrive before or after the decision)."""

    event_type: Literal["ComplaintDecided"]
    complaint_id: Text
    cycle: Cycle
    commune_code: CommuneCode
    decided_on: Day
    outcome: Literal["upheld", "rejected"]
    revision: Revision | None = None

    @model_validator(mode="after")
    def _revision_with_upheld(self) -> ComplaintDecided:
        if self.outcome == "upheld" and self.revision is None:
            raise PydanticCustomError("schema_violation", "revision: an upheld complaint "
                                      "names the assessment revision that corrects it")
        if self.outcome == "rejected" and self.revision is not None:
            raise PydanticCustomError("schema_violation", "revision: a rejected complaint "
                                      "changes no assessment, so it names no revision")
        return self


class CycleReopened(Event):
    """A recorded decision reopens an approved cycle: revisions and pool changes count
    again until the next ``CycleClosed``, which posts the differences as adjustments."""

    event_type: Literal["CycleReopened"]
    cycle: Cycle
    reopened_on: Day
    decision_ref: Text
    reason: Text
