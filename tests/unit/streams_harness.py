"""A feed of input messages for the batch handler, on an in-memory SQLite ledger."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pac_grants.ledger import Ledger
from streams.handlers import BatchHandler
from streams.messages import BatchOutcome, Message
from tests.unit import events_fixtures as ev

PREFIX = "pac."


class Feed:
    """Numbers offsets per topic and partition like a broker, and hands batches over."""

    def __init__(self, url: str = "sqlite://") -> None:
        self.ledger = Ledger.from_url(url)
        self.ledger.upgrade()
        self.handler = BatchHandler(self.ledger, PREFIX)
        self.offsets: Counter[tuple[str, int]] = Counter()
        self.rejected: list[str] = []

    def message(self, logical: str, value: bytes | None, key: str | None = None,
                partition: int = 0) -> Message:
        topic = f"{PREFIX}{logical}.v1"
        offset = self.offsets[(topic, partition)]
        self.offsets[(topic, partition)] += 1
        return Message(topic, partition, offset, key.encode() if key else None, value)

    def send(self, logical: str, *events: dict[str, Any] | bytes) -> BatchOutcome:
        values = [e if isinstance(e, bytes) else ev.raw(e) for e in events]
        return self.batch([self.message(logical, v) for v in values])

    def batch(self, messages: Iterable[Message]) -> BatchOutcome:
        outcome = self.handler.handle(list(messages))
        self.rejected.extend(code for _topic, code in outcome.rejected)
        return outcome

    def pending(self) -> list[tuple[int, str, bytes | None, bytes]]:
        """The output records queued in the outbox (not sent: no broker here)."""
        with self.ledger.unit_of_work(chain=False) as uow:
            return uow.outbox.pending(limit=100_000)

    def allocated(self, cycle: int) -> dict[str, int]:
        """commune -> allocated MAD (allocation + adjustments), any window."""
        out: Counter[str] = Counter()
        for (_window, code), centimes in self.ledger.allocated(cycle).items():
            out[code] += centimes
        return {code: c // 100 for code, c in out.items() if c}


def fresh(data: dict[str, Any]) -> dict[str, Any]:
    """The event with a new event_id (another event, same content)."""
    return data | {"event_id": str(uuid.uuid4())}


def commune(code: str, population: int = 300_000, **kw: Any) -> dict[str, Any]:
    return fresh(ev.commune(code=code, name_fr=f"Commune {code}",
                            population={"2014": population, "2024": population}) | kw)


def assessment(code: str, revision: int = 1, **kw: Any) -> dict[str, Any]:
    return fresh(ev.assessment(commune_code=code, assessment_id=f"APA-2021-{code}",
                               revision=revision) | kw)


def opened(pool: int = 10_000_000, cycle: int = 2021) -> dict[str, Any]:
    return fresh(ev.cycle_opened(cycle=cycle, pools={"standard": pool}))


def cycle_event(event_type: str, **fields: Any) -> dict[str, Any]:
    return fresh(ev.event(event_type, **fields))


def counted_after_approval(code: str) -> list[tuple[str, dict[str, Any], dict[str, int]]]:
    """How a commune registered after cycle 2021's approval (two cycle events and two
    assessments so far) gets counted: the decision that reopens the cycle, the commune's
    assessment again as revision 2, the re-approval on 2022-07-15. Each as (topic,
    event, the topics' processed counts to wait for after it)."""
    return [("cycles", cycle_event("CycleReopened", cycle=2021, reopened_on="2022-07-01",
                                   decision_ref="D-12",
                                   reason=f"commune {code} registered after the approval"),
             {"cycles": 3}),
            ("assessments", assessment(code, revision=2), {"assessments": 3}),
            ("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-07-15"),
             {"cycles": 4})]


def paid(code: str, amount: str, ref: str, cycle: int = 2021,
         paid_on: str = "2022-06-30") -> dict[str, Any]:
    return fresh(ev.disbursement(commune_code=code, amount_mad=amount, payment_ref=ref,
                                 cycle=cycle, paid_on=paid_on))
