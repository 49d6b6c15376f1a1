"""What the treasury reads return: payment orders with their aging, and the sources and
uses of a cycle's money (docs/cli.md "ledger orders", "ledger sources-uses").

Response models like :mod:`models.responses`: centimes inside, decimal text in JSON.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from models.codes import Aging, OrderStatus
from models.responses import Money, Response

UNNAMED = "unnamed"  # the source of a pool given as a plain number (no financiers named)


class PaymentOrder(Response):
    """One order as of a date (docs/rules.md s8.1): what was ordered, cancelled, paid."""

    order_id: str
    cycle: int
    commune_code: str
    name_fr: str | None = None
    name_ar: str | None = None
    tranche: str  # T1, T2, ... at the first approval; A1, A2, ... for an increase
    approval: int
    issued_on: date
    due_on: date
    gross: Money = Field(description="The tranche before the offset of older debts.")
    offset: Money = Field(description="Kept to settle what the commune owed on a cycle "
                          "before (docs/rules.md s8.3).")
    amount: Money = Field(description="The order's net amount: gross - offset.")
    cancelled: Money
    paid: Money
    unpaid: Money = Field(description="amount - cancelled - paid.")
    status: OrderStatus
    days_overdue: int = Field(description="Days after due_on with an unpaid rest; else 0.")


class OrderTotals(Response):
    orders: int
    amount: Money
    cancelled: Money
    paid: Money
    unpaid: Money
    overdue: Money = Field(description="Unpaid rest of the overdue orders.")


class PaymentOrders(Response):
    as_of: date
    orders: list[PaymentOrder]
    aging: dict[Aging, Money] = Field(description="Unpaid rest of the listed orders by "
                                      "days overdue.")
    totals: OrderTotals


class FinancierUse(Response):
    """A source's commitment and its pro-rata share of the uses (docs/rules.md s8.4)."""

    financier: str  # a financier's name, ``carry_over:{N}``, or ``unnamed``
    committed: Money
    allocated: Money
    ordered: Money = Field(description="Ordered and not paid yet.")
    paid: Money
    unallocated: Money = Field(description="committed - allocated.")


class WindowSources(Response):
    window: str
    pool: Money = Field(description="Every source's commitment: funded + carried in.")
    allocated: Money
    ordered: Money
    paid: Money
    carried_over: Money = Field(description="Unallocated money moved to the next cycle.")
    financiers: list[FinancierUse]


class SourcesUses(Response):
    cycle: int
    basis: str = "attributed pro rata: the program pays on results, not per financier"
    financiers: list[FinancierUse] = Field(description="Per source, every window summed.")
    windows: list[WindowSources]
