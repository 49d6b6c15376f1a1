"""``pac-grants api``: the read API and finance page over the ledger.

It reads only: the engine is read-only (SQLite ``mode=ro``, PostgreSQL read-only
sessions), a missing database is refused rather than created, and the schema is
migrated only with ``--upgrade`` (or by ``pac-grants db upgrade``), never silently (a
mistyped path must not serve an empty ledger). It refuses to start without a
``PAC_API_TOKEN`` of at least 32 characters. ``X-Forwarded-*`` headers are trusted only
from the proxies listed in ``PAC_API_FORWARDED_ALLOW_IPS``. Errors are one line
(pac_grants/cli/errors.py: 2 for a setting or a database to migrate, 1 for an
unreachable database).
"""

from __future__ import annotations

from typing import Any

import click

from pac_grants.cli.errors import EPILOG, reported, service, usage


def _settings() -> Any:
    from pac_grants.api.auth import check_token
    from pac_grants.settings import load_settings

    with reported():
        settings = load_settings()
    try:
        check_token(settings.api_token)
    except ValueError as exc:
        raise usage(str(exc)) from None
    return settings


def _upgrade(url: str) -> None:
    """Apply the migrations through a writable engine, then let it go."""
    from sqlalchemy.exc import DBAPIError

    from pac_grants.ledger import Ledger

    with reported():
        ledger = Ledger.from_url(url)
        try:
            ledger.upgrade()
        except DBAPIError as exc:
            raise service(ledger.describe(exc)) from None
        finally:
            ledger.dispose()


def _app(settings: Any, upgrade: bool) -> tuple[Any, Any]:
    """(app, ledger) over a read-only engine; every failure is one line."""
    from sqlalchemy.exc import DBAPIError

    from pac_grants.api import create_app
    from pac_grants.ledger import Ledger

    if upgrade:
        _upgrade(settings.database_url)
    with reported():
        ledger = Ledger.from_url(settings.database_url, read_only=True)
        try:
            return create_app(settings, ledger), ledger
        except DBAPIError as exc:
            ledger.dispose()
            raise service(ledger.describe(exc)) from None
        except BaseException:
            ledger.dispose()
            raise


@click.command("api", epilog=EPILOG)
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
