"""The payment orders as a spreadsheet (issue 11): ``/api/v1/orders.xlsx`` and
``/api/v1/orders.csv``, with the filters of ``/api/v1/orders`` and the page's language.

The page's treasury view lists these orders; a finance officer takes them to Excel to
chase the overdue ones. The workbook has the orders (typed dates and money) and the
aging of their unpaid rest; the CSV the orders only (the aging is a sum of them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from models.codes import Aging, OrderStatus
from models.treasury import PaymentOrder, PaymentOrders
from pac_grants.api import spreadsheets
from pac_grants.api.exports import CSV, XLSX, DelimiterQuery, LangQuery, download
from pac_grants.api.routes import CycleQuery, Db
from pac_grants.api.treasury import AsOfQuery, CommuneQuery, StatusQuery
from pac_grants.i18n import Lang, text
from pac_grants.ledger import Ledger

router = APIRouter(prefix="/api/v1", tags=["treasury"])
COLUMNS = ("order_id", "cycle", "code", "commune", "tranche", "issued_on", "due_on",
           "amount", "cancelled", "paid", "unpaid", "status", "days_overdue")
MONEY = {7, 8, 9, 10}


def _orders(db: Ledger, cycle: int | None, commune: str | None, status: OrderStatus | None,
            as_of: date | None) -> PaymentOrders:
    with db.reader() as reader:
        return reader.treasury.orders(cycle, commune, status, as_of)


def _row(order: PaymentOrder, lang: Lang) -> list[Any]:
    name = (order.name_ar or order.name_fr) if lang == "ar" else (order.name_fr or order.name_ar)
    return [order.order_id, order.cycle, order.commune_code, name or "", order.tranche,
            order.issued_on, order.due_on, order.amount, order.cancelled, order.paid,
            order.unpaid, text(lang, f"order.{order.status}"), order.days_overdue]


def _name(found: PaymentOrders, cycle: int | None, extension: str) -> str:
    return f"pac-orders-{cycle or 'all'}-{found.as_of.isoformat()}.{extension}"


@router.get("/orders.xlsx", response_class=Response, responses=XLSX)
def orders_xlsx(db: Db, cycle: CycleQuery = None, commune: CommuneQuery = None,
                status: StatusQuery = None, as_of: AsOfQuery = None,
                lang: LangQuery = "fr") -> Response:
    """The orders as of the date (one row each) and the aging of their unpaid rest."""
    found = _orders(db, cycle, commune, status, as_of)
    headers = [text(lang, f"col.{c}") for c in COLUMNS]
    rows = [_row(o, lang) for o in found.orders]
    orders = spreadsheets.Sheet(text(lang, "treasury.orders"), headers, rows, MONEY,
                                lang == "ar")
    aging = spreadsheets.Sheet(
        text(lang, "treasury.aging"), [text(lang, "col.aging"), text(lang, "col.unpaid")],
        [[text(lang, f"aging.{b}"), found.aging[b]] for b in Aging], {1}, lang == "ar")
    return download(spreadsheets.xlsx([orders, aging]), spreadsheets.XLSX_TYPE,
                    _name(found, cycle, "xlsx"))


@router.get("/orders.csv", response_class=Response, responses=CSV)
def orders_csv(db: Db, cycle: CycleQuery = None, commune: CommuneQuery = None,
               status: StatusQuery = None, as_of: AsOfQuery = None, lang: LangQuery = "fr",
               delimiter: DelimiterQuery = "comma") -> Response:
    """The orders as of the date, one row each, headers and status in ``lang``."""
    found = _orders(db, cycle, commune, status, as_of)
    body = spreadsheets.csv_bytes([text(lang, f"col.{c}") for c in COLUMNS],
                                  [_row(o, lang) for o in found.orders], MONEY, delimiter)
    return download(body, "text/csv; charset=utf-8", _name(found, cycle, "csv"))
