"""The treasury routes (issue 11): ``GET /api/v1/orders`` and
``GET /api/v1/cycles/{cycle}/sources-uses``.

The same models as ``pac-grants ledger orders|sources-uses --format json``
(:mod:`models.treasury`), each read in one read-only transaction. A cycle never opened
or a commune never registered is 404, as it is exit 2 on the command line.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from models.codes import OrderStatus
from models.treasury import PaymentOrders, SourcesUses
from pac_grants.api.routes import Cycle, CycleQuery, Db, iso_date

router = APIRouter(prefix="/api/v1", tags=["treasury"])
CommuneQuery = Annotated[str | None, Query(pattern=r"^[0-9A-Za-z._-]{1,32}$",
                                           description="Only this commune's orders.")]
StatusQuery = Annotated[OrderStatus | None, Query(
    description="Only orders with this status as of the date.")]
AsOfQuery = Annotated[date | None, BeforeValidator(iso_date), Query(
    description="Status, paid and aging at the end of this date, YYYY-MM-DD "
                "(default: today).")]


@router.get("/orders", response_model=PaymentOrders,
            summary="Payment orders and their aging (docs/ledger.md)")
def orders(db: Db, cycle: CycleQuery = None, commune: CommuneQuery = None,
           status: StatusQuery = None, as_of: AsOfQuery = None) -> PaymentOrders:
    """Every payment order issued by the date with its amount, cancelled, paid, unpaid,
    due date, status and days overdue; the aging of the unpaid rest (not due, 0-30,
    31-90, over 90 days overdue) and totals."""
    with db.reader() as reader:
        return reader.treasury.orders(cycle, commune, status, as_of)


@router.get("/cycles/{cycle}/sources-uses", response_model=SourcesUses,
            summary="Sources and uses of a cycle per financier (docs/rules.md s8.4)")
def sources_uses(cycle: Cycle, db: Db) -> SourcesUses:
    """Per window and source (a financier, ``unnamed`` for a pool without financiers,
    ``carry_over:{N}`` for money carried in): its commitment and its pro-rata share of
    allocated, ordered and paid (largest remainder to the centime), and unallocated."""
    with db.reader() as reader:
        return reader.treasury.sources_uses(cycle)
