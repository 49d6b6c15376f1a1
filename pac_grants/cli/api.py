"""``pac-grants api``: the read API and finance page over the ledger (issue 7).

It reads only: the engine is read-only (SQLite ``mode=ro``, PostgreSQL read-only
sessions), a missing database is refused rather than created, and the schema is
migrated only with ``--upgrade`` (or by ``pac-grants db upgrade``), never silently
(issue 12: a mistyped path served an empty ledger). It refuses to start without a
``PAC_API_TOKEN`` of at least 32 characters. ``X-Forwarded-*`` headers are trusted only
from the proxies listed in ``PAC_API_FORWARDED_ALLOW_IPS``. Errors are one line, exit 2.
"""

from __future__ import annotations

from typing import Any

import click


class ApiCommandError(click.ClickException):
    exit_code = 2


def _settings() -> Any:
    from pac_grants.api.auth import check_token
    from pac_grants.settings import SettingsError, load_settings

    try:
        settings = load_settings()
        check_token(settings.api_token)
    except (SettingsError, ValueError) as exc:
        raise ApiCommandError(str(exc)) from None
    return settings


def _upgrade(url: str) -> None:
    """Apply the migrations through a writable engine, then let it go."""
    from sqlalchemy.exc import DBAPIError

    from pac_grants.ledger import Ledger
    from pac_grants.ledger.database import describe_db_error

    ledger = Ledger.from_url(url)
    try:
        ledger.upgrade()
    except DBAPIError as exc:
        raise ApiCommandError(describe_db_error(ledger.engine, exc)) from None
    except Exception as exc:  # a database that refuses the migration (rights, ...)
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ApiCommandError(f"database: {first}") from None
    finally:
        ledger.dispose()


def _app(settings: Any, upgrade: bool) -> tuple[Any, Any]:
    """(app, ledger) over a read-only engine; every failure is one line."""
    from sqlalchemy.exc import DBAPIError

    from pac_grants.api import create_app
    from pac_grants.ledger import Ledger, LedgerError
    from pac_grants.ledger.database import describe_db_error

    try:
        if upgrade:
            _upgrade(settings.database_url)
        ledger = Ledger.from_url(settings.database_url, read_only=True)
    except LedgerError as exc:
        raise ApiCommandError(str(exc)) from None
    try:
        return create_app(settings, ledger), ledger
    except LedgerError as exc:
        message = str(exc)
    except DBAPIError as exc:
        message = describe_db_error(ledger.engine, exc)
    ledger.dispose()
    raise ApiCommandError(message)


@click.command("api")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True,
              type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--loglevel", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
@click.option("--upgrade", is_flag=True,
              help="Apply the ledger's migrations first (as `pac-grants db upgrade`); "
                   "without it a database that is missing or not migrated is refused.")
def api(host: str, port: int, loglevel: str, upgrade: bool) -> None:
    """Serve the read API (/api/v1, bearer PAC_API_TOKEN) and the page (/) over the ledger."""
    settings = _settings()
    import uvicorn

    from pac_grants.logging_setup import configure

    configure(level=loglevel.upper(), settings=settings)
    app, ledger = _app(settings, upgrade)
    proxies = settings.api_forwarded_allow_ips
    click.echo(f"pac-grants api: page http://{host}:{port}/ , API http://{host}:{port}/api/v1 "
               f"(OpenAPI /openapi.json)", err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_config=None, log_level=loglevel,
                    server_header=False, proxy_headers=proxies is not None,
                    forwarded_allow_ips=proxies)
    finally:
        ledger.dispose()
