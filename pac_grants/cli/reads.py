"""What every read command shares: the ledger opened with its errors as one line
(pac_grants/cli/errors.py), ``--database-url``, and the output formats (a table on a
terminal, JSON otherwise)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from pac_grants.cli.errors import reported, service

FORMATS = click.Choice(["json", "table"])
ROW_FORMATS = click.Choice(["json", "table", "csv"])


def _database_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    from pac_grants.settings import get_settings

    with reported():
        return get_settings().database_url


@contextmanager
def opened(url: str | None, *, must_exist: bool = True) -> Iterator[Any]:
    """The ledger at ``url`` (or PAC_DATABASE_URL); its errors become one line."""
    from sqlalchemy.exc import DBAPIError

    from pac_grants.ledger import Ledger

    with reported():
        ledger = Ledger.from_url(_database_url(url), must_exist=must_exist)
        try:
            yield ledger
        except DBAPIError as exc:
            raise service(ledger.describe(exc)) from None
        finally:
            ledger.dispose()


def default_format() -> str:
    return "table" if sys.stdout.isatty() else "json"


def emit_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


database_option = click.option(
    "--database-url", envvar="PAC_DATABASE_URL", default=None, show_envvar=True,
    help="SQLAlchemy URL of the ledger (default: the settings' PAC_DATABASE_URL).",
)
