"""The pages of the API: the finance page at ``/`` and, when ``PAC_PUBLIC_RESULTS=1``,
the public results at ``/public``.

A page holds no data: its script asks ``/api/v1`` (with the token) or ``/public/api/v1``.
It is written in the language of ``?lang=fr|ar`` (French by default; Arabic right to
left) and carries both label catalogs and both money rules (:func:`pac_grants.display.
page_rules`) as a JSON block, so that its language switch needs no request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pac_grants import display, i18n
from pac_grants.api import public
from pac_grants.settings import Settings

HERE = Path(__file__).parent


def context(request: Request) -> dict[str, Any]:
    """What a page template needs: its language, labels, and the page configuration."""
    lang = i18n.choose(request.query_params.get("lang"))
    return {"lang": lang, "dir": i18n.direction(lang), "t": i18n.catalog(lang),
            "config": {"lang": lang, "labels": i18n.pages(),
                       "money": {code: display.page_rules(code) for code in i18n.LANGS}}}


def add_pages(app: FastAPI, settings: Settings) -> None:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "index.html", context(request))

    if settings.public_results:
        app.include_router(public.router(templates, context))
