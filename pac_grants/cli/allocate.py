"""``pac-grants allocate`` and ``pac-grants explain`` (docs/cli.md s2): offline, exact."""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from models.results import cycle_json
from pac_grants.cli.errors import usage
from pac_grants.cli.lang import lang_option
from pac_grants.cli.output import render_allocation, render_explanation
from pac_grants.i18n import Lang
from pac_grants.offline import InputError, OfflineRun, bundled_communes_path, run_offline
from pac_grants.rules.engine import CycleResult, PoolError
from pac_grants.rules.explain import explain as explain_commune
from pac_grants.rules.ruleset import Ruleset, RulesetError, load_ruleset, packaged_ruleset


def _pools(values: Sequence[str]) -> dict[str, int]:
    pools: dict[str, int] = {}
    for value in values:
        window, _, amount = value.partition("=")
        if not window or not re.fullmatch("[0-9]+", amount.strip()):
            raise usage(f"--pool {value!r}: expected WINDOW=WHOLE_MAD, "
                               "e.g. --pool standard=1500000000")
        if window in pools:
            raise usage(f"--pool: window {window!r} given twice")
        pools[window] = int(amount)
    return pools


def _ruleset(cycle: int, source: str | None) -> Ruleset:
    try:
        ruleset = load_ruleset(source) if source else packaged_ruleset(cycle)
    except RulesetError as exc:
        raise usage(str(exc)) from None
    if ruleset is None:
        raise usage(f"no packaged ruleset for cycle {cycle}; pass --ruleset FILE")
    if ruleset.cycle != cycle:
        raise usage(f"ruleset {ruleset.id} is for cycle {ruleset.cycle}, not {cycle}")
    return ruleset


def _run(cycle: int, communes: str | None, assessments: str, pools: Sequence[str],
         ruleset: str | None) -> OfflineRun:
    chosen = _ruleset(cycle, ruleset)
    try:
        return run_offline(chosen, communes or bundled_communes_path(), assessments,
                           _pools(pools))
    except InputError as exc:
        raise usage(str(exc)) from None
    except PoolError as exc:
        raise usage(f"--pool: {exc}") from None


def _inputs(command: Any, *, offline_only: bool = True) -> Any:
    """The options that ``allocate`` and ``explain`` share."""
    from_ledger = "" if offline_only else " Without it: the inputs in the ledger's database."
    options = [
        click.option("--cycle", type=int, required=True, help="Assessment year N."),
        click.option("--communes", type=click.Path(dir_okay=False),
                     help="Communes CSV (default: the bundled sample program)."),
        click.option("--assessments", type=click.Path(dir_okay=False), required=offline_only,
                     help="JSONL of AssessmentSubmitted events." + from_ledger),
        click.option("--pool", "pools", multiple=True, metavar="WINDOW=MAD",
                     help="Pool of a window in whole MAD; one per window."),
        click.option("--ruleset", help="Packaged ruleset id or a YAML file "
                     "(default: the packaged ruleset of the cycle)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _default_format() -> str:
    return "table" if sys.stdout.isatty() else "json"


@click.command()
@_inputs
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "table"]),
              help="Output format (default: json when stdout is not a terminal).")
@lang_option
def allocate(cycle: int, communes: str | None, assessments: str, pools: tuple[str, ...],
             ruleset: str | None, fmt: str | None, lang: Lang) -> None:
    """Offline calculation of a cycle's grants: no broker, no database (docs/rules.md)."""
    run = _run(cycle, communes, assessments, pools, ruleset)
    for held in run.result.held:
        click.echo(f"warning: assessment {held.event_id} of unregistered commune "
                   f"{held.commune_code} ignored", err=True)
    fmt = fmt or _default_format()
    if fmt == "json":
        click.echo(json.dumps(cycle_json(run.result), ensure_ascii=False))
    else:
        click.echo(render_allocation(run.result, fmt, lang), nl=False)


@click.command()
@functools.partial(_inputs, offline_only=False)
@click.option("--commune", "code", required=True, help="Commune code, e.g. 09.001.01.01.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]),
              help="Output format (default: text on a terminal, else json).")
@lang_option
def explain(cycle: int, communes: str | None, assessments: str | None, pools: tuple[str, ...],
            ruleset: str | None, code: str, fmt: str | None, lang: Lang) -> None:
    """Why a commune got its amount (docs/rules.md s7), from offline files or the ledger's inputs.

    With --assessments the calculation runs on the files; without, on the inputs the
    worker stored in the database of PAC_DATABASE_URL (the same the ledger was posted from).
    """
    if assessments is None:
        _refuse_offline_options(communes=communes, pool=pools, ruleset=ruleset)
        result = _from_database(cycle)
        source = "the ledger's inputs"
    else:
        result = _run(cycle, communes, assessments, pools, ruleset).result
        source = communes or Path(bundled_communes_path()).name
    explanation = explain_commune(result, code)
    if explanation is None:
        raise usage(f"commune {code!r} is not in {source}")
    if (fmt or ("text" if sys.stdout.isatty() else "json")) == "json":
        click.echo(json.dumps(explanation, ensure_ascii=False, indent=2))
    else:
        click.echo(render_explanation(explanation, lang), nl=False)


def _refuse_offline_options(**given: object) -> None:
    """Without ``--assessments`` the ledger's inputs are used: an offline option would be
    silently ignored, so it is refused (issue 12)."""
    named = [f"--{name}" for name, value in given.items() if value]
    if named:
        raise usage(f"{', '.join(named)} only apply with --assessments FILE (offline); "
                           "without it explain uses the ledger's inputs")


def _from_database(cycle: int) -> CycleResult:
    """Recompute the cycle from the inputs the worker stored (the read side)."""
    from pac_grants import readside
    from pac_grants.cli.ledger import opened

    with opened(None) as ledger, ledger.reader() as reader:
        return readside.cycle_result(reader, cycle)
