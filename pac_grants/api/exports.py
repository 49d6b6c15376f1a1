"""Downloads for spreadsheet users (issue 12), behind the bearer token like every route:
the allocation table as the page shows it (its filters, order and language) and a
commune's statement, as XLSX or CSV. The postings export for accountants
(``/cycles/{cycle}/export.csv``) is unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from pac_grants.api import allocation as allocations
from pac_grants.api import spreadsheets, table
from pac_grants.api.routes import Code, Cycle, CycleQuery, Db
from pac_grants.i18n import Lang, text
from pac_grants.ledger import Ledger

router = APIRouter(prefix="/api/v1", tags=["exports"])
LangQuery = Annotated[Literal["fr", "ar"], Query(description="Language of headers and words.")]
DelimiterQuery = Annotated[Literal["comma", "semicolon"], Query(
    description="comma: machine decimals (1500000000.00); semicolon: decimal commas.")]
Responses = dict[int | str, dict[str, Any]]
XLSX: Responses = {200: {
    "content": {spreadsheets.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    "description": "An Excel workbook."}}
CSV: Responses = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                        "description": "UTF-8 CSV with a byte order mark."}}


def download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _view(lang: Lang, window: str | None, eligibility: Literal["yes", "no"] | None,
          q: str | None, sort: table.SortKey, order: Literal["asc", "desc"]) -> table.View:
    return table.View(window, eligibility, q, sort, order == "desc", lang)


def _allocation_sheets(db: Ledger, cycle: int, view: table.View) -> list[spreadsheets.Sheet]:
    with db.reader() as conn:
        conn.postings.require_cycle(cycle)
        data = allocations.allocation(conn, cycle)
    shown = table.shown(data, view)
    money_columns = set(range(8, 12))
    windows = [w["window"] for w in data["windows"] if not view.window or w["window"] ==
               view.window]
    return [spreadsheets.Sheet(f"{cycle} {w}", table.headers(view.lang),
                               [table.cells(r, view.lang) for r in shown if r["window"] == w],
                               money_columns, view.lang == "ar") for w in windows]


WindowQuery = Annotated[str | None, Query(pattern=r"^[0-9A-Za-z_.-]{1,64}$",
                                          description="Only this window.")]
EligibilityQuery = Annotated[Literal["yes", "no"] | None, Query(description="yes or no.")]
SearchQuery = Annotated[str | None, Query(max_length=200,
                                          description="Search code, names, region.")]
SortQuery = Annotated[table.SortKey, Query(description="The column sorted on.")]
OrderQuery = Annotated[Literal["asc", "desc"], Query()]


@router.get("/cycles/{cycle}/allocation.xlsx", response_class=Response, responses=XLSX)
def allocation_xlsx(cycle: Cycle, db: Db, lang: LangQuery = "fr", window: WindowQuery = None,
                    eligibility: EligibilityQuery = None, q: SearchQuery = None,
                    sort: SortQuery = "amount", order: OrderQuery = "desc") -> Response:
    """The allocation table as shown on the page: one sheet per window."""
    view = _view(lang, window, eligibility, q, sort, order)
    body = spreadsheets.xlsx(_allocation_sheets(db, cycle, view))
    return download(body, spreadsheets.XLSX_TYPE, f"pac-allocation-{cycle}.xlsx")


@router.get("/cycles/{cycle}/allocation.csv", response_class=Response, responses=CSV)
def allocation_csv(cycle: Cycle, db: Db, lang: LangQuery = "fr", window: WindowQuery = None,
                   eligibility: EligibilityQuery = None, q: SearchQuery = None,
                   sort: SortQuery = "amount", order: OrderQuery = "desc",
                   delimiter: DelimiterQuery = "comma") -> Response:
    """The allocation table as shown on the page, all windows in one file."""
    view = _view(lang, window, eligibility, q, sort, order)
    sheets = _allocation_sheets(db, cycle, view)
    rows = [row for sheet in sheets for row in sheet.rows]
    body = spreadsheets.csv_bytes(table.headers(lang), rows, set(range(8, 12)), delimiter)
    return download(body, "text/csv; charset=utf-8", f"pac-allocation-{cycle}.csv")


STATEMENT_COLUMNS = ("sequence", "date", "kind", "window", "reason", "allocated", "paid",
                     "outstanding", "balance_allocated", "balance_paid", "balance_outstanding")
STATEMENT_MONEY = set(range(5, 11))


def _statement_rows(db: Ledger, code: str, cycle: int | None, lang: Lang) -> dict[int, list[Any]]:
    with db.reader() as conn:
        found = conn.postings.statement(code, cycle)
    by_cycle: dict[int, list[Any]] = {}
    for e in found.entries:
        by_cycle.setdefault(e.cycle, []).append([
            e.sequence, e.effective_date, text(lang, f"kind.{e.kind}"), e.window, e.reason,
            e.allocated, e.paid, e.outstanding, e.balance.allocated, e.balance.paid,
            e.balance.outstanding])
    return by_cycle


@router.get("/communes/{code}/statement.xlsx", response_class=Response, responses=XLSX)
def statement_xlsx(code: Code, db: Db, cycle: CycleQuery = None,
                   lang: LangQuery = "fr") -> Response:
    """The commune's statement: one sheet per cycle, running balances per cycle."""
    headers = [text(lang, f"col.{c}") for c in STATEMENT_COLUMNS]
    sheets = [spreadsheets.Sheet(str(c), headers, rows, STATEMENT_MONEY, lang == "ar")
              for c, rows in _statement_rows(db, code, cycle, lang).items()]
    return download(spreadsheets.xlsx(sheets), spreadsheets.XLSX_TYPE,
                     f"pac-statement-{code}.xlsx")


@router.get("/communes/{code}/statement.csv", response_class=Response, responses=CSV)
def statement_csv(code: Code, db: Db, cycle: CycleQuery = None, lang: LangQuery = "fr",
                  delimiter: DelimiterQuery = "comma") -> Response:
    """The commune's statement as one CSV, with a cycle column."""
    headers = [text(lang, "col.cycle"), *(text(lang, f"col.{c}") for c in STATEMENT_COLUMNS)]
    rows = [[c, *row] for c, found in _statement_rows(db, code, cycle, lang).items()
            for row in found]
    body = spreadsheets.csv_bytes(headers, rows, {i + 1 for i in STATEMENT_MONEY}, delimiter)
    return download(body, "text/csv; charset=utf-8", f"pac-statement-{code}.csv")
