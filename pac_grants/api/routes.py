"""The JSON routes of the read API, version prefix ``/api/v1`` (issue 7, docs/ledger.md s7).

All GET, all behind the bearer token, each in one read-only transaction
(:mod:`pac_grants.api.db`). Unknown cycles and communes raise the ledger's ``NotFound``,
which the app turns into 404 with a JSON detail.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BeforeValidator

from models import responses
from models.responses import Statement
from pac_grants.api import allocation as allocations
from pac_grants.api import schemas
from pac_grants.ledger import Ledger


def four_digits(value: object) -> object:
    """A cycle is written ``2021``: ``2021.0``, ``+2021``, ``02021`` are not cycles (issue
    12), though Python's ``int()`` would read them as 2021."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}", value):
        raise ValueError("a cycle is a year of four digits, e.g. 2021")
    return value


Cycle = Annotated[int, Path(ge=1900, le=2200, description="Assessment year, e.g. 2021.",
                            openapi_examples={"2021": {"value": 2021}}),
                  BeforeValidator(four_digits)]
CycleQuery = Annotated[int | None, Query(ge=1900, le=2200, description="Only this cycle."),
                       BeforeValidator(four_digits)]
Code = Annotated[str, Path(pattern=r"^[0-9A-Za-z._-]{1,32}$",
                           description="Commune code, e.g. 09.001.01.01.",
                           openapi_examples={"Agadir": {"value": "09.001.01.01"}})]


def iso_date(value: object) -> object:
    """Only ``YYYY-MM-DD``: pydantic alone would also take ``0`` as a Unix timestamp."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


def ledger_of(request: Request) -> Ledger:
    """The app's ledger; each route opens its own reader on it, in the thread that runs
    the route (a connection never crosses threads)."""
    found: Ledger = request.app.state.ledger
    return found


Db = Annotated[Ledger, Depends(ledger_of)]
router = APIRouter(prefix="/api/v1")


@router.get("/cycles", response_model=responses.Cycles, summary="Cycle summary (docs/ledger.md s7)")
def cycles(db: Db) -> dict[str, Any]:
    """Pool, allocated, unallocated, paid and eligible communes per cycle and window."""
    with db.reader() as reader:
        return {"cycles": reader.postings.summary()}


@router.get("/cycles/{cycle}/balances", response_model=responses.Balances)
def balances(
    cycle: Cycle, db: Db,
    as_of: Annotated[date | None, BeforeValidator(iso_date), Query(
        description="Balances at the end of this date (effective dates), YYYY-MM-DD.")] = None,
) -> dict[str, Any]:
    """Allocated (with adjustments), paid, outstanding of each commune of the cycle."""
    with db.reader() as reader:
        return {"cycle": cycle, "communes": reader.postings.balances(cycle, as_of)}


@router.get("/cycles/{cycle}/allocation", response_model=responses.Allocation)
def allocation(cycle: Cycle, db: Db) -> dict[str, Any]:
    """Per window and commune: names, eligibility, reasons, score, cap, amount."""
    with db.reader() as reader:
        reader.postings.require_cycle(cycle)
        return allocations.allocation(reader, cycle)


@router.get("/cycles/{cycle}/communes/{code}/explanation", response_model=schemas.Explanation)
def explanation(cycle: Cycle, code: Code, db: Db) -> dict[str, Any]:
    """Why the commune got its amount (docs/rules.md s7)."""
    with db.reader() as reader:
        reader.postings.require_cycle(cycle)
        return allocations.explanation(reader, cycle, code)


@router.get("/communes/{code}/statement", response_model=responses.Statement)
def commune_statement(
    code: Code, db: Db,
    cycle: CycleQuery = None,
) -> Statement:
    """The commune's transactions in order, with running balances and reasons."""
    with db.reader() as reader:
        return reader.postings.statement(code, cycle)


@router.get("/dead-letters", response_model=responses.DeadLetters)
def dead_letters(
    db: Db,
    code: Annotated[str | None, Query(pattern=r"^[a-z_]{1,64}$",
                                      description="Only this error code.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The most recent dead letters first (docs/events.md s8.2)."""
    with db.reader() as reader:
        return {"dead_letters": reader.dead_letters.recent(limit, code)}


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "One row per posting, UTF-8 (docs/ledger.md s7, export)."},
}


@router.get("/cycles/{cycle}/export.csv", response_class=Response, responses=CSV_RESPONSE)
def export_csv(cycle: Cycle, db: Db) -> Response:
    """The cycle's transactions as CSV, as ``pac-grants ledger export --cycle``."""
    out = io.StringIO()
    with db.reader() as reader:
        reader.postings.require_cycle(cycle)
        reader.postings.export(out, "csv", cycle)
    return Response(
        out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pac-ledger-{cycle}.csv"'},
    )

