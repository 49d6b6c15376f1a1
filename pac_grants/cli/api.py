"""``pac-grants api``: the read API and finance page over the ledger (issue 7).

Like the worker, it applies the ledger's migrations on start, so an empty database just
works (docs/cli.md ``db upgrade``). It refuses to start without ``PAC_API_TOKEN``:
the API never serves data without authentication. Errors are one line
(pac_grants/cli/errors.py: 2 for a setting, 1 for an unreachable database).
"""

from __future__ import annotations

from typing import Any

import click

from pac_grants.cli.errors import EPILOG, reported, service, usage


def _settings() -> Any:
    from pac_grants.settings import load_settings

    with reported():
        settings = load_settings()
    if settings.api_token is None or not settings.api_token.get_secret_value().strip():
        raise usage("PAC_API_TOKEN is not set: the read API needs a bearer token")
    return settings


def _ledger(url: str) -> Any:
    from sqlalchemy.exc import DBAPIError

    from pac_grants.ledger import Ledger

    with reported():
        ledger = Ledger.from_url(url)
        try:
            ledger.upgrade()
        except DBAPIError as exc:
            raise service(ledger.describe(exc)) from None
    return ledger


@click.command("api", epilog=EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8080, show_default=True,
              type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--loglevel", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def api(host: str, port: int, loglevel: str) -> None:
    """Serve the read API (/api/v1, bearer PAC_API_TOKEN) and the page (/) over the ledger."""
    settings = _settings()
    import uvicorn

    from pac_grants.api import create_app
    from pac_grants.logging_setup import configure

    configure(level=loglevel.upper(), settings=settings)
    ledger = _ledger(settings.database_url)
    app = create_app(settings, ledger)
    click.echo(f"pac-grants api: page http://{host}:{port}/ , API http://{host}:{port}/api/v1 "
               f"(OpenAPI /openapi.json)", err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_config=None, log_level=loglevel,
                    server_header=False)
    finally:
        ledger.dispose()
