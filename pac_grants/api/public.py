"""The public results (issue 12): a page and read-only JSON without a token, only when
``PAC_PUBLIC_RESULTS=1``, only for approved cycles (:mod:`pac_grants.api.public_results`).
Bilingual like the finance page; no payment data, no dead letters, no event ids."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pac_grants.api import public_results, report_schemas
from pac_grants.api.routes import Cycle, Db


def router(templates: Jinja2Templates, page_context: Any) -> APIRouter:
    """The public page at ``/public`` and its JSON under ``/public/api/v1``."""
    public = APIRouter(tags=["public"])

    @public.get("/public", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "public.html", page_context(request))

    @public.get("/public/api/v1/cycles", response_model=report_schemas.PublicCycles)
    def cycles(db: Db) -> dict[str, Any]:
        """The approved cycles (a reopened one is ``under_review``)."""
        with db.reader() as conn:
            return public_results.cycles(conn)

    @public.get("/public/api/v1/cycles/{cycle}", response_model=report_schemas.PublicResults,
                response_model_exclude_unset=True,
                responses={404: {"description": "No approved results for this cycle."}})
    def results(cycle: Cycle, db: Db) -> dict[str, Any]:
        """Per commune: conditions met, points per area, score, rank, grant, per
        inhabitant and change from the previous approved cycle."""
        with db.reader() as conn:
            return public_results.results(conn, cycle)

    return public
