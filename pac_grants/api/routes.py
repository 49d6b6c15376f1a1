"""The JSON routes of the read API, version prefix ``/api/v1`` (issue 7, ledger.md).

All GET, all behind the bearer token, each in one read-only transaction
(:mod:`pac_grants.api.db`). Unknown cycles and communes raise the ledger's ``NotFound``,
which the app turns into 404 with a JSON detail.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BeforeValidator
from sqlalchemy import Engine

from pac_grants.api import allocation as allocations
from pac_grants.api import schemas
from pac_grants.api.db import read_only
from pac_grants.ledger import export, reference, statement, views


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


def engine(request: Request) -> Engine:
    """The app's engine; each route opens its own read-only transaction on it, in the
    thread that runs the route (a connection never crosses threads)."""
    found: Engine = request.app.state.engine
    return found


Db = Annotated[Engine, Depends(engine)]
router = APIRouter(prefix="/api/v1")


@router.get("/cycles", response_model=schemas.Cycles, summary="Cycle summary (ledger.md)")
def cycles(db: Db) -> dict[str, Any]:
    """Pool, allocated, unallocated, paid and eligible communes per cycle and window."""
    with read_only(db) as conn:
        return {"cycles": [c.to_json() for c in views.summary(conn)]}


@router.get("/cycles/{cycle}/balances", response_model=schemas.Balances)
def balances(
    cycle: Cycle, db: Db,
    as_of: Annotated[date | None, BeforeValidator(iso_date), Query(
        description="Balances at the end of this date (effective dates), YYYY-MM-DD.")] = None,
) -> dict[str, Any]:
    """Allocated (with adjustments), paid, outstanding of each commune of the cycle."""
    with read_only(db) as conn:
        rows = views.balances(conn, cycle, as_of)
    return {"cycle": cycle, "communes": [b.to_json() for b in rows]}


@router.get("/cycles/{cycle}/allocation", response_model=schemas.Allocation)
def allocation(cycle: Cycle, db: Db) -> dict[str, Any]:
    """Per window and commune: names, eligibility, reasons, score, cap, amount."""
    with read_only(db) as conn:
        views.require_cycle(conn, cycle)
        return allocations.allocation(conn, cycle)


@router.get("/cycles/{cycle}/communes/{code}/explanation", response_model=schemas.Explanation)
def explanation(cycle: Cycle, code: Code, db: Db) -> dict[str, Any]:
    """Why the commune got its amount (rules.md section 7)."""
    with read_only(db) as conn:
        views.require_cycle(conn, cycle)
        return allocations.explanation(conn, cycle, code)


@router.get("/communes/{code}/statement", response_model=schemas.Statement)
def commune_statement(
    code: Code, db: Db,
    cycle: CycleQuery = None,
) -> dict[str, Any]:
    """The commune's transactions in order, with running balances and reasons."""
    with read_only(db) as conn:
        found = statement.statement(conn, code, cycle)
    return found.to_json() | {"cycle": cycle}


@router.get("/dead-letters", response_model=schemas.DeadLetters)
def dead_letters(
    db: Db,
    code: Annotated[str | None, Query(pattern=r"^[a-z_]{1,64}$",
                                      description="Only this error code.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The most recent dead letters first (events.md "Outputs")."""
    with read_only(db) as conn:
        rows = reference.dead_letters(conn, limit, code)
    return {"dead_letters": [vars(r) | {"received_at": _utc(r.received_at)} for r in rows]}


def _utc(moment: datetime) -> datetime:
    """Dead letters are stamped in UTC; SQLite hands the value back without its zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "One row per posting, UTF-8 (ledger.md Export)."},
}


@router.get("/cycles/{cycle}/export.csv", response_class=Response, responses=CSV_RESPONSE)
def export_csv(cycle: Cycle, db: Db) -> Response:
    """The cycle's transactions as CSV, as ``pac-grants ledger export --cycle``."""
    out = io.StringIO()
    with read_only(db) as conn:
        views.require_cycle(conn, cycle)
        export.write_csv(conn, out, cycle)
    return Response(
        out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pac-ledger-{cycle}.csv"'},
    )

