"""The read API and finance page over the ledger: ``create_app(settings, ledger)``.

Nothing is built at import time (style/examples.md "Not to copy"): ``pac-grants api``
and the tests call :func:`create_app` with their own settings and ledger. The app never
writes: every route is GET and reads in a read-only transaction. The page at ``/`` holds
no data; its script asks for the token once and calls ``/api/v1`` with it. OpenAPI is at
``/openapi.json``; the interactive docs are off because they load scripts from a CDN.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Security
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pac_grants.api import schemas
from pac_grants.api.auth import bearer_guard
from pac_grants.api.complaints import router as complaints_router
from pac_grants.api.routes import router
from pac_grants.api.simulation import router as simulation_router
from pac_grants.ledger import Ledger, LedgerError, NotFound
from pac_grants.settings import Settings

HERE = Path(__file__).parent
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": schemas.Problem, "description": "Missing or wrong bearer token.",
          "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    404: {"model": schemas.Problem, "description": "Unknown cycle or commune."},
}
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
     b"form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


def create_app(settings: Settings, ledger: Ledger) -> FastAPI:
    """The app over ``ledger``; refuses to exist without ``settings.api_token``."""
    if settings.api_token is None or not settings.api_token.get_secret_value():
        raise ValueError("PAC_API_TOKEN is not set: the read API never serves without a token")
    app = FastAPI(
        title="pac-grants read API", version=version("pac-grants"), docs_url=None, redoc_url=None,
        description="Read-only access to the PAPC grants ledger for finance teams "
                    "(ledger.md). Money is a decimal string with two decimals.",
    )
    app.state.ledger = ledger
    guard = bearer_guard(settings.api_token)
    app.include_router(router, dependencies=[Security(guard)], responses=ERRORS)
    app.include_router(simulation_router, dependencies=[Security(guard)], responses=ERRORS)
    app.include_router(complaints_router, dependencies=[Security(guard)], responses=ERRORS)
    _add_page(app)
    _add_errors(app, ledger)
    app.add_middleware(SecurityHeaders)
    return app


def _add_page(app: FastAPI) -> None:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "index.html", {})

    @app.get("/healthz", response_model=schemas.Health, tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: no authentication, no data."""
        return {"status": "ok"}


def _add_errors(app: FastAPI, ledger: Ledger) -> None:
    @app.exception_handler(NotFound)
    def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(LedgerError)
    def unavailable(_request: Request, exc: LedgerError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(DBAPIError)
    def database_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        detail = ledger.describe(exc)
        return JSONResponse({"detail": detail}, status_code=503)


class SecurityHeaders:
    """CSP ``default-src 'self'``: the page can reach nothing but this service."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
