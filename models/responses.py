"""What the ledger's read commands print and the API returns, defined once (docs/cli.md).

Pydantic models: the ledger builds them, ``pac-grants ledger ... --format json`` prints
``model_dump(mode="json")`` and the API returns them (its OpenAPI schema comes from
here). Money is an ``int`` of centimes inside and a decimal string with two decimals in
JSON (:data:`Money`), so code that sums or sorts never parses text, and both outputs
write ``"4500000.00"``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from models import deadletters
from models.codes import ComplaintStatus, CycleState, TransactionKind
from pac_grants import money


def _centimes(value: object) -> object:
    """Accept the JSON text back (FastAPI re-validates what it serialised)."""
    return money.parse(value) if isinstance(value, str) else value


Money = Annotated[
    int,
    BeforeValidator(_centimes),
    PlainSerializer(money.text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$",
                    "examples": ["4500000.00"]}),
]


class Response(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WindowSummary(Response):
    """docs/ledger.md s7 (summary), per window (centimes; text in JSON)."""

    window: str
    pool: Money  # funded + carried in from the cycle before
    allocated: Money
    unallocated: Money  # left in the pool: returned to the financiers
    paid: Money
    eligible: int | None
    ordered: Money = 0  # ordered and not paid yet
    outstanding: Money = 0  # payable + ordered
    to_recover: Money = 0
    carried_over: Money = 0  # to the next cycle
    paid_by_offset: Money = 0  # of paid: older debts offset from these grants


class CycleSummary(Response):
    cycle: int
    status: str  # "closed" once the cycle has an allocation transaction, else "open"
    state: CycleState  # docs/events.md s4
    closed_on: date | None = None  # the last approval's
    decision_ref: str | None = None
    windows: list[WindowSummary]


class Cycles(Response):
    cycles: list[CycleSummary]


class CommuneBalance(Response):
    """docs/ledger.md s4: allocated = payable + ordered + paid + receivable."""

    code: str
    window: str | None
    allocated: Money
    paid: Money
    outstanding: Money  # payable + ordered
    name_fr: str | None = None
    name_ar: str | None = None
    ordered: Money = 0
    to_recover: Money = 0  # minus the receivable
    paid_by_offset: Money = 0  # of paid: an older debt offset from this grant, not cash


class Balances(Response):
    cycle: int
    communes: list[CommuneBalance]


class RunningBalance(Response):
    allocated: Money
    paid: Money
    outstanding: Money  # payable + ordered
    to_recover: Money = 0  # minus the receivable


class StatementEntry(Response):
    sequence: int
    transaction: str
    kind: TransactionKind
    cycle: int
    window: str | None
    effective_date: date
    reason: str
    allocated: Money  # change of allocated by this transaction
    paid: Money
    outstanding: Money
    balance: RunningBalance
    to_recover: Money = 0


class CommuneRef(Response):
    code: str
    name_fr: str | None
    name_ar: str | None


class Statement(Response):
    commune: CommuneRef
    cycle: int | None = None
    entries: list[StatementEntry]


class DeadLetter(Response):
    """A stored dead letter, flat (the Kafka record nests ``error``: models.deadletters)."""

    id: int
    received_at: datetime
    source_topic: str
    partition: int
    offset: int
    key: str | None
    raw_value: str
    encoding: str  # "utf-8" or "base64"
    code: str
    message: str
    details: Any


    def record(self) -> dict[str, Any]:
        """The docs/events.md record, as the dead-letter topic carried it (plus ``id``)."""
        error = {"code": self.code, "message": self.message, "details": self.details}
        return {"id": self.id} | deadletters.record(
            received_at=self.received_at, source_topic=self.source_topic,
            partition=self.partition, offset=self.offset, key=self.key,
            raw_value=self.raw_value, encoding=self.encoding, error=error)


class DeadLetters(Response):
    dead_letters: list[DeadLetter]


class Complaint(Response):
    """One complaint of the register (docs/cli.md "ledger complaints")."""

    complaint_id: str
    cycle: int
    commune_code: str
    lodged_on: date
    subjects: list[str]
    status: ComplaintStatus
    decided_on: date | None
    days_to_decide: int | None  # calendar days from lodged_on to decided_on


class SubjectCount(Response):
    """Complaints naming one condition, indicator or input (a complaint may name several)."""

    subject: str
    lodged: int
    upheld: int
    rejected: int
    open: int
    late: int


class CycleComplaints(Response):
    """A cycle's totals; ``late`` complaints are dead letters, not in ``lodged``."""

    cycle: int
    state: CycleState
    notified_on: date | None
    complaint_deadline: date | None
    lodged: int
    decided: int
    upheld: int
    rejected: int
    open: int
    late: int
    median_days_to_decide: int | float | None  # a half day when the count is even
    max_days_to_decide: int | None
    subjects: list[SubjectCount]


class ComplaintRegister(Response):
    complaints: list[Complaint]
    cycles: list[CycleComplaints]


class AllocationRow(Response):
    code: str
    name_fr: str | None
    name_ar: str | None
    region: str | None
    eligible: bool
    reasons: list[str]
    failed_conditions: list[str]
    score: int | None
    capped: bool
    amount: Money = Field(description="The rules' amount over the latest inputs.")
    ledger_allocated: Money = Field(description="Allocation + adjustments in the ledger.")
    paid: Money
    outstanding: Money


class AllocationWindow(Response):
    window: str
    pool: Money
    allocated: Money
    unallocated: Money
    eligible: int
    communes: list[AllocationRow]


class RulesetRef(Response):
    id: str | None
    version: int | None
    digest: str | None


class Allocation(Response):
    cycle: int
    status: Literal["provisional", "notified", "final"]
    source: Literal["recomputed", "stored"] = Field(
        description="recomputed from the pipeline's input state, or the latest stored result"
    )
    ruleset: RulesetRef
    inputs_digest: str | None
    windows: list[AllocationWindow]
