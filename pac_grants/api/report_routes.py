"""Report routes of the read API (issue 12), behind the bearer token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pac_grants.api import report_schemas, reports
from pac_grants.api.routes import Code, Cycle, Db

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get("/cycles/{cycle}/regions", response_model=report_schemas.Regions)
def regions(cycle: Cycle, db: Db) -> dict[str, Any]:
    """Totals by region and province: allocated, per inhabitant, change from the previous
    approved cycle."""
    with db.reader() as conn:
        return reports.regions(conn, cycle)


@router.get("/communes/{code}/history", response_model=report_schemas.History)
def history(code: Code, db: Db) -> dict[str, Any]:
    """The commune's amounts in every cycle, with the change from one to the next."""
    with db.reader() as conn:
        return reports.history(conn, code)
