"""Which events travel on which input topic (docs/events.md "Topics")."""

from __future__ import annotations

from models.events import (
    AssessmentSubmitted,
    CommuneRegistered,
    CycleClosed,
    CycleOpened,
    DisbursementExecuted,
    Event,
    PoolAdjusted,
    RecoveryReceived,
)
from models.governance import ComplaintDecided, ComplaintLodged, CycleReopened, ResultsNotified

InputEvent = (CommuneRegistered | CycleOpened | PoolAdjusted | ResultsNotified | CycleClosed
              | CycleReopened | ComplaintLodged | ComplaintDecided | AssessmentSubmitted
              | DisbursementExecuted | RecoveryReceived)

#: The event types of each input topic, by logical topic name.
TOPIC_EVENTS: dict[str, dict[str, type[Event]]] = {
    "communes": {"CommuneRegistered": CommuneRegistered},
    "cycles": {"CycleOpened": CycleOpened, "PoolAdjusted": PoolAdjusted,
               "ResultsNotified": ResultsNotified, "CycleClosed": CycleClosed,
               "CycleReopened": CycleReopened},
    "complaints": {"ComplaintLodged": ComplaintLodged, "ComplaintDecided": ComplaintDecided},
    "assessments": {"AssessmentSubmitted": AssessmentSubmitted},
    "disbursements": {"DisbursementExecuted": DisbursementExecuted,
                      "RecoveryReceived": RecoveryReceived},
}
