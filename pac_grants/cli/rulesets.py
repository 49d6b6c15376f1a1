"""``pac-grants rulesets add FILE`` and ``rulesets list``: the rulesets one can simulate.

``add`` validates a variant like any ruleset (``file:line: key: reason``, exit 2) and
stores it in the ledger's database under its digest, so that the API can name it; the
same content added twice is stored once. ``list`` shows the packaged rulesets and the
stored ones, with the name to refer to each by (its id, or its digest when the id is
shared: :mod:`pac_grants.simulation.store`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pac_grants.cli.errors import EPILOG, usage
from pac_grants.cli.reads import database_option, opened
from pac_grants.rules.ruleset import RulesetError
from pac_grants.simulation import store
from pac_grants.simulation.documents import read_document


@click.group("rulesets", epilog=EPILOG)
def rulesets() -> None:
    """Rulesets to simulate: packaged ones, and variants stored in the ledger's database."""


@rulesets.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@database_option
def add(file: Path, database_url: str | None) -> None:
    """Validate a variant ruleset and store it (by its digest) for the API and simulate."""
    try:
        document = read_document(file)
        document.ruleset()
    except RulesetError as exc:
        raise usage(str(exc)) from None
    with opened(database_url) as ledger, ledger.unit_of_work(chain=False) as uow:
        if not uow.rulesets.available():
            raise usage("the ledger's database has no table of stored rulesets yet: run "
                        "`pac-grants db upgrade`")
        try:
            entry, added = store.add(uow.rulesets, document, file.name)
        except RulesetError as exc:
            raise usage(str(exc)) from None
        name = store.reference(entry, store.catalogue(uow.rulesets))
        uow.commit()
    verb = "stored" if added else f"already {entry.origin}:"
    click.echo(f"{verb} {entry.ruleset_id} v{entry.version} (cycle {entry.cycle}) "
               f"{entry.digest}; refer to it as {name}")


@rulesets.command("list")
@database_option
@click.option("--format", "fmt", type=click.Choice(["json", "table"]),
              help="Default: table on a terminal, else json.")
def list_(database_url: str | None, fmt: str | None) -> None:
    """Packaged and stored rulesets, with the name to give --variant or the API."""
    try:
        with opened(database_url) as ledger, ledger.reader() as reader:
            entries = store.catalogue(reader.rulesets)
    except click.ClickException as exc:
        click.echo(f"warning: no stored rulesets listed: {exc.message}", err=True)
        entries = store.packaged()
    rows = store.listing(entries)
    if (fmt or ("table" if sys.stdout.isatty() else "json")) == "json":
        click.echo(json.dumps({"rulesets": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'refer to it as':<28} {'cycle':>5} {'ver':>3}  {'origin':<8} digest")
    for row in rows:
        click.echo(f"{row['reference']:<28} {row['cycle']:>5} {row['version']:>3}  "
                   f"{row['origin']:<8} {row['digest']}")
