"""The closed vocabularies of the contract, each spelled once (docs/events.md, docs/ledger.md).

String enums, so a member is its own wire value (``DeadLetterCode.STALE_REVISION ==
"stale_revision"``) and JSON, SQL and log lines need no conversion.
"""

from __future__ import annotations

from enum import StrEnum


class DeadLetterCode(StrEnum):
    """Why an input message was refused: the ``error.code`` of a dead letter."""

    # decided from the message alone (models.decode)
    MALFORMED_JSON = "malformed_json"
    SCHEMA_VIOLATION = "schema_violation"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported_schema_version"
    MESSAGE_TOO_LARGE = "message_too_large"
    INVALID_VALUE = "invalid_value"
    VALUE_OUT_OF_RANGE = "value_out_of_range"
    MISSING_CONDITION = "missing_condition"
    MISSING_INDICATOR = "missing_indicator"
    UNKNOWN_CONDITION = "unknown_condition"
    UNKNOWN_INDICATOR = "unknown_indicator"
    UNKNOWN_WINDOW = "unknown_window"
    # decided against the state (streams/)
    UNKNOWN_CYCLE = "unknown_cycle"
    UNKNOWN_COMMUNE = "unknown_commune"
    STALE_REVISION = "stale_revision"
    CONFLICTING_REVISION = "conflicting_revision"
    CYCLE_NOT_OPEN = "cycle_not_open"
    CYCLE_NOT_CLOSED = "cycle_not_closed"
    EXCEEDS_OUTSTANDING = "exceeds_outstanding"
    # the approval lifecycle (docs/events.md s4, s6)
    CYCLE_CLOSED = "cycle_closed"
    CYCLE_NOT_NOTIFIED = "cycle_not_notified"
    COMPLAINT_LATE = "complaint_late"
    COMPLAINTS_OPEN = "complaints_open"
    COMPLAINT_WINDOW_OPEN = "complaint_window_open"
    UNKNOWN_COMPLAINT = "unknown_complaint"
    PAID_BEFORE_APPROVAL = "paid_before_approval"
    INPUTS_CHANGED = "inputs_changed"
    # the treasury (docs/events.md "Treasury")
    UNKNOWN_ORDER = "unknown_order"
    EXCEEDS_ORDER = "exceeds_order"
    EXCEEDS_RECEIVABLE = "exceeds_receivable"
    PREVIOUS_CYCLE_OPEN = "previous_cycle_open"
    # refused by the database itself: the poison isolation of streams/commit.py
    STORAGE_REJECTED = "storage_rejected"


class TransactionKind(StrEnum):
    """The kinds of ledger transactions (docs/ledger.md "Transactions")."""

    ENVELOPE = "envelope"
    ALLOCATION = "allocation"
    ADJUSTMENT = "adjustment"
    DISBURSEMENT = "disbursement"
    ORDER = "order"
    ORDER_CANCEL = "order_cancel"
    RECOVERY = "recovery"
    OFFSET = "offset"
    CARRY_OVER = "carry_over"


class AccountType(StrEnum):
    """The first part of an account name (docs/ledger.md "Accounts")."""

    FUNDING = "funding"
    POOL = "pool"
    PAYABLE = "payable"
    ORDERED = "ordered"
    PAID = "paid"
    RECEIVABLE = "receivable"


class CycleState(StrEnum):
    """Where a cycle is in its life (docs/events.md s4)."""

    OPEN = "open"
    NOTIFIED = "notified"
    APPROVED = "approved"
    REOPENED = "reopened"


class ResultStatus(StrEnum):
    """The ``status`` of a record on ``pac.allocations.v1``."""

    PROVISIONAL = "provisional"
    NOTIFIED = "notified"
    FINAL = "final"


class ComplaintStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


class OrderStatus(StrEnum):
    """A payment order's status as of a date (docs/rules.md "Orders in tranches")."""

    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"


class Aging(StrEnum):
    """How long an order's unpaid rest is overdue, as of a date (docs/cli.md "orders")."""

    NOT_DUE = "not_due"
    DAYS_0_30 = "0-30"
    DAYS_31_90 = "31-90"
    OVER_90 = "over_90"

    @classmethod
    def of(cls, days_overdue: int) -> Aging:
        if days_overdue <= 0:
            return cls.NOT_DUE
        if days_overdue <= 30:
            return cls.DAYS_0_30
        return cls.DAYS_31_90 if days_overdue <= 90 else cls.OVER_90
