"""The read API and finance page over the ledger: ``create_app(settings, ledger)``.

Nothing is built at import time: ``pac-grants api``
and the tests call :func:`create_app` with their own settings and ledger. The app never
writes: every route is GET and reads in a read-only transaction. The page at ``/`` holds
no data; its script asks for the token once and calls ``/api/v1`` with it. OpenAPI is at
``/openapi.json``; the interactive docs are off because they load scripts from a CDN.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Security
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pac_grants.api import exports, report_routes, schemas, treasury_exports
from pac_grants.api.auth import bearer_guard, check_token
from pac_grants.api.complaints import router as complaints_router
from pac_grants.api.lifecycle import router as lifecycle_router
from pac_grants.api.middleware import HeadAsGet
from pac_grants.api.pages import add_pages
from pac_grants.api.routes import router
from pac_grants.api.simulation import router as simulation_router
from pac_grants.api.treasury import router as treasury_router
from pac_grants.ledger import Ledger, LedgerError, NotFound
from pac_grants.settings import Settings

HERE = Path(__file__).parent
LOG = logging.getLogger("pac_grants.api")
UNAVAILABLE = "the ledger's database is unavailable; the server's log has the details"
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
    """The app over ``ledger`` (best opened ``read_only=True``).

    Refuses to exist without a token of at least 32 characters (``ValueError``) or when
    the database is not at this version's schema (``SchemaMissing``): the schema is
    checked here, once. ``redirect_slashes`` is off: Starlette would build the redirect
    from the request's ``Host`` header (issue 12), and no client of this API needs it.
    """
    guard = bearer_guard(check_token(settings.api_token))
    ledger.check_schema()
    app = FastAPI(
        title="pac-grants read API", version=version("pac-grants"), docs_url=None, redoc_url=None,
        redirect_slashes=False,
        description="Read-only access to the PAPC grants ledger for finance teams "
                    "(docs/ledger.md s7). Money is a decimal string with two decimals.",
    )
    app.state.ledger = ledger
    for routes in (router, exports.router, report_routes.router, simulation_router,
                   complaints_router, treasury_router, treasury_exports.router,
                   lifecycle_router):
        app.include_router(routes, dependencies=[Security(guard)], responses=ERRORS)
    add_pages(app, settings)
    _add_health(app)
    _add_errors(app, ledger)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    return app


def _add_health(app: FastAPI) -> None:
    @app.get("/healthz", response_model=schemas.Health, tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: no authentication, no data."""
        return {"status": "ok"}


def _add_errors(app: FastAPI, ledger: Ledger) -> None:
    @app.exception_handler(NotFound)
    def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(LedgerError)
    def unavailable(request: Request, exc: LedgerError) -> JSONResponse:
        return _unavailable(request, str(exc))

    @app.exception_handler(DBAPIError)
    def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        return _unavailable(request, ledger.describe(exc))


def _unavailable(request: Request, detail: str) -> JSONResponse:
    """503 with a generic message: the details (database path, user@host) go to the log
    only (issue 12)."""
    LOG.error("%s %s: %s", request.method, request.url.path, detail)
    return JSONResponse({"detail": UNAVAILABLE}, status_code=503)


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
