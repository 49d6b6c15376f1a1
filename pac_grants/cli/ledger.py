"""``pac-grants ledger ...`` and ``pac-grants db upgrade`` (docs/cli.md s3, docs/ledger.md s7).

Read commands never create a database: a missing SQLite file or an un-migrated database
is one line on stderr and exit 2, as is an unknown cycle or commune; an unreachable
database exits 1 (pac_grants/cli/errors.py). ``verify`` exits 1 on a broken invariant,
naming the first transaction at fault, and with ``--checkpoints`` on a rewritten chain, a
truncated tail or a forged checkpoint (pac_grants/cli/checkpoints.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

import click

from pac_grants import tables
from pac_grants.cli.checkpoints import checkpoints as checkpoints_group
from pac_grants.cli.checkpoints import keygen
from pac_grants.cli.checkpoints import load as load_checkpoints
from pac_grants.cli.checkpoints import verifier as checkpoint_verifier
from pac_grants.cli.errors import EPILOG, usage
from pac_grants.cli.lang import lang_option
from pac_grants.cli.reads import (
    FORMATS,
    ROW_FORMATS,
    database_option,
    default_format,
    emit_json,
    opened,
)
from pac_grants.cli.register import register_csv, register_table
from pac_grants.cli.treasury import orders, sources_uses
from pac_grants.i18n import Lang


@click.group("ledger", epilog=EPILOG)
def ledger() -> None:
    """Read the ledger: summary, balances, statement, complaints, orders, sources-uses,
    export, verify (docs/ledger.md s7); its checkpoints: keygen, checkpoints export,
    verify --checkpoints."""


ledger.add_command(keygen)
ledger.add_command(checkpoints_group)
ledger.add_command(orders)
ledger.add_command(sources_uses)


@ledger.command()
@database_option
@click.option("--cycle", type=int, help="Only this cycle.")
@click.option("--format", "fmt", type=FORMATS, help="Default: table on a terminal, else json.")
@lang_option
def summary(database_url: str | None, cycle: int | None, fmt: str | None, lang: Lang) -> None:
    """Pool, allocated, unallocated, paid and eligible communes per cycle and window."""
    with opened(database_url) as book:
        cycles = book.summary(cycle)
    if (fmt or default_format()) == "json":
        emit_json({"cycles": [c.model_dump(mode="json") for c in cycles]})
    else:
        click.echo(tables.summary_table(cycles, lang))


@ledger.command()
@database_option
@click.option("--cycle", type=int, required=True)
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Balances at the end of this date (effective dates), YYYY-MM-DD.")
@click.option("--format", "fmt", type=ROW_FORMATS, help="Default: table on a terminal, else json.")
@lang_option
def balances(database_url: str | None, cycle: int, as_of: datetime | None, fmt: str | None,
             lang: Lang) -> None:
    """Allocated (with adjustments), paid and outstanding of each commune of a cycle."""
    with opened(database_url) as book:
        rows = book.balances(cycle, as_of.date() if as_of else None)
    chosen = fmt or default_format()
    if chosen == "json":
        emit_json({"cycle": cycle, "communes": [r.model_dump(mode="json") for r in rows]})
    elif chosen == "csv":
        click.echo(tables.balances_csv(cycle, rows), nl=False)
    else:
        click.echo(tables.balances_table(rows, lang))


@ledger.command()
@database_option
@click.option("--commune", "code", required=True, help="Commune code, e.g. 09.001.01.01.")
@click.option("--cycle", type=int, help="Only this cycle.")
@click.option("--format", "fmt", type=FORMATS, help="Default: table on a terminal, else json.")
@lang_option
def statement(database_url: str | None, code: str, cycle: int | None, fmt: str | None,
              lang: Lang) -> None:
    """A commune's transactions in order, with running balances and reasons."""
    with opened(database_url) as book, book.reader() as reader:
        result = reader.postings.statement(code, cycle)
    if (fmt or default_format()) == "json":
        emit_json(result.model_dump(mode="json", exclude={"cycle"}))
    else:
        click.echo(tables.statement_table(result, lang))


@ledger.command()
@database_option
@click.option("--cycle", type=int, help="Only this cycle.")
@click.option("--format", "fmt", type=ROW_FORMATS, help="Default: table on a terminal, else json.")
def complaints(database_url: str | None, cycle: int | None, fmt: str | None) -> None:
    """The complaints register: each complaint, and per cycle lodged, decided, open, late
    (dead letters complaint_late), days to decide, and counts per subject."""
    with opened(database_url) as book:
        found = book.complaints(cycle)
    chosen = fmt or default_format()
    if chosen == "json":
        emit_json(found.model_dump(mode="json"))
    elif chosen == "csv":
        click.echo(register_csv(found), nl=False)
    else:
        click.echo(register_table(found))


@ledger.command()
@database_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--cycle", type=int, help="Only this cycle.")
@click.option("--output", type=click.Path(path_type=Path),
              help="Write to this file (UTF-8) instead of stdout.")
def export(database_url: str | None, fmt: str, cycle: int | None, output: Path | None) -> None:
    """Every posting with its transaction (CSV) or every transaction (JSON), UTF-8."""
    with opened(database_url) as book, book.reader() as reader:
        if cycle is not None:
            reader.postings.require_cycle(cycle)
        if output is None:
            stdout = click.get_text_stream("stdout", encoding="utf-8")
            count = reader.postings.export(stdout, fmt, cycle)
        else:
            with _writable(output) as out:
                count = reader.postings.export(out, fmt, cycle)
    if output is not None:
        click.echo(f"wrote {count} {'rows' if fmt == 'csv' else 'transactions'} to {output}",
                   err=True)


@contextmanager
def _writable(path: Path) -> Iterator[TextIO]:
    """``path`` open for writing; failing to open or write it is one line naming it and
    why, not a traceback."""
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            yield out
    except OSError as exc:
        raise usage(f"--output {path}: {exc.strerror or exc}") from None


@ledger.command()
@database_option
@click.option("--checkpoints", "source", metavar="FILE|topic",
              help="Also check the chain against these checkpoints: a JSON-lines file, or "
                   "`topic` for the checkpoint topic (a file named topic: ./topic).")
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
              help="Ed25519 public key (PEM): every checkpoint must be signed by it.")
def verify(database_url: str | None, source: str | None, public_key: Path | None) -> None:
    """Recompute every balance and the hash chain; exit 1 at the first break.

    With --checkpoints, the chain must also still hold every checkpoint's (seq, hash),
    and reach its seq; with --public-key, every checkpoint must carry a valid signature.
    """
    if public_key is not None and source is None:
        raise usage("--public-key checks checkpoints: give --checkpoints FILE|topic too")
    verifier = checkpoint_verifier(public_key)
    kept = load_checkpoints(source) if source is not None else None
    with opened(database_url) as book, book.reader() as reader:
        report = reader.postings.verify()
        audit = reader.postings.audit(kept, verifier) if kept is not None and report.ok \
            else None
    click.echo(report.line())
    if audit is not None:
        click.echo(audit.line())
    if not report.ok or (audit is not None and not audit.ok):
        sys.exit(1)


@click.group("db", epilog=EPILOG)
def db() -> None:
    """The ledger's database schema."""


@db.command()
@database_option
def upgrade(database_url: str | None) -> None:
    """Apply the ledger's migrations (idempotent; creates a SQLite file if needed)."""
    with opened(database_url, must_exist=False) as book:
        book.upgrade()
        url = book.url
    click.echo(f"ok: {url} is at the latest ledger schema")
