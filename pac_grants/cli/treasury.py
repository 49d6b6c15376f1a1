"""``pac-grants ledger orders`` and ``pac-grants ledger sources-uses`` (docs/cli.md s3.4,
s3.6): what is ordered, paid, overdue, and whose money paid for what.

Errors as the other read commands (pac_grants/cli/ledger.py): a cycle never opened or a
commune never registered is one line and exit 2.
"""

from __future__ import annotations

from datetime import datetime

import click

from models.codes import OrderStatus
from pac_grants.cli.lang import lang_option
from pac_grants.cli.reads import (
    ROW_FORMATS,
    database_option,
    default_format,
    emit_json,
    opened,
)
from pac_grants.i18n import Lang
from pac_grants.treasury_tables import (
    orders_csv,
    orders_table,
    sources_uses_csv,
    sources_uses_table,
)


@click.command()
@database_option
@click.option("--cycle", type=int, help="Only this cycle.")
@click.option("--commune", "code", help="Only this commune (code, e.g. 09.001.01.01).")
@click.option("--status", type=click.Choice([s.value for s in OrderStatus]),
              help="Only orders with this status as of the date.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Status, paid and aging at the end of this date, YYYY-MM-DD "
                   "(default: today).")
@click.option("--format", "fmt", type=ROW_FORMATS, help="Default: table on a terminal, else json.")
@lang_option
def orders(database_url: str | None, cycle: int | None, code: str | None, status: str | None,
           as_of: datetime | None, fmt: str | None, lang: Lang) -> None:
    """Payment orders: amount, paid, unpaid, due date, status and days overdue, and the
    aging of what is unpaid (not due, 0-30, 31-90, over 90 days overdue)."""
    with opened(database_url) as book:
        found = book.orders(cycle, code, OrderStatus(status) if status else None,
                            as_of.date() if as_of else None)
    chosen = fmt or default_format()
    if chosen == "json":
        emit_json(found.model_dump(mode="json"))
    elif chosen == "csv":
        click.echo(orders_csv(found), nl=False)
    else:
        click.echo(orders_table(found, lang))


@click.command("sources-uses")
@database_option
@click.option("--cycle", type=int, required=True)
@click.option("--format", "fmt", type=ROW_FORMATS, help="Default: table on a terminal, else json.")
@lang_option
def sources_uses(database_url: str | None, cycle: int, fmt: str | None, lang: Lang) -> None:
    """Per financier (and money carried over from the cycle before): its commitment and
    its pro-rata share of allocated, ordered, paid and unallocated, per window."""
    with opened(database_url) as book:
        report = book.sources_uses(cycle)
    chosen = fmt or default_format()
    if chosen == "json":
        emit_json(report.model_dump(mode="json"))
    elif chosen == "csv":
        click.echo(sources_uses_csv(report), nl=False)
    else:
        click.echo(sources_uses_table(report, lang))
