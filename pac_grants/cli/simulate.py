"""``pac-grants simulate``: a cycle under a variant ruleset, side by side (issue 13).

Inputs: the ledger database's stored inputs of the cycle (read-only, the read side's
``cycle_inputs``), or with ``--assessments`` the files of ``pac-grants allocate``.
Rulesets (``--variant``, ``--base``): a YAML file, or a packaged or stored ruleset's
id or digest (``pac-grants rulesets list``). Every user mistake is one line, exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from pac_grants.cli.allocate import _pools
from pac_grants.cli.errors import EPILOG, usage
from pac_grants.cli.reads import database_option
from pac_grants.cli.simulate_sources import Sources
from pac_grants.offline import InputError, bundled_communes_path
from pac_grants.rules.engine import PoolError
from pac_grants.rules.ruleset import RulesetError
from pac_grants.simulation import simulate as sim
from pac_grants.simulation import tables
from pac_grants.simulation.report import plain, simulation_data
from pac_grants.simulation.sweep import SweepError, parse_sweep, points

FORMATS = click.Choice(["json", "csv", "xlsx", "table"])


@contextmanager
def _one_line() -> Iterator[None]:
    """The simulation's own errors as one line on stderr, exit 2."""
    try:
        yield
    except (RulesetError, SweepError, sim.SimulationError, InputError) as exc:
        raise usage(str(exc)) from None
    except PoolError as exc:
        raise usage(f"--pool: {exc}") from None


@click.command(epilog=EPILOG)
@click.option("--cycle", type=int, required=True, help="Assessment year N.")
@click.option("--variant", help="The variant: a YAML file, or a ruleset id or digest "
              "(default with --vary: the base).")
@click.option("--base", help="The base: a YAML file, or a ruleset id or digest "
              "(default: the cycle's own ruleset).")
@click.option("--pool", "pools", multiple=True, metavar="WINDOW=MAD",
              help="The variant's pool of a window, whole MAD (default: the cycle's).")
@click.option("--base-pool", "base_pools", multiple=True, metavar="WINDOW=MAD",
              help="The base's pool of a window (default: the cycle's; with files: --pool).")
@click.option("--assessments", type=click.Path(dir_okay=False),
              help="JSONL of AssessmentSubmitted events: run on files, not the ledger.")
@click.option("--communes", type=click.Path(dir_okay=False),
              help="Communes CSV with --assessments (default: the bundled sample).")
@click.option("--vary", metavar="PATH=START:STOP:STEP",
              help="Sweep one parameter, e.g. windows.standard.equal_share=0.10:0.40:0.05.")
@click.option("--format", "fmt", type=FORMATS,
              help="Default: table on a terminal, else json.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout (xlsx on a terminal needs it).")
@database_option
def simulate(cycle: int, variant: str | None, base: str | None, pools: tuple[str, ...],
             base_pools: tuple[str, ...], assessments: str | None, communes: str | None,
             vary: str | None, fmt: str | None, output: Path | None,
             database_url: str | None) -> None:
    """What a variant ruleset would give on a cycle's inputs, commune by commune.

    Nothing is written to the ledger: both sides are computed in memory.
    """
    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise usage("--format xlsx writes a workbook: give --output FILE.xlsx")
    with _one_line():
        sources = Sources(database_url)
        inputs = _inputs(sources, cycle, base, assessments, communes, pools, base_pools)
        before = sim.base_result(inputs, sources.ruleset(base) if base else None,
                                 _pools(base_pools))
        document = sources.document(variant) if variant else None
        if vary is None:
            if document is None:
                raise usage("--variant is required: a YAML file or a ruleset id")
            results = [sim.simulate(inputs, document.ruleset(), _pools(pools), before)]
        else:
            document = document or sources.document_of(before.ruleset)
            swept = parse_sweep(vary)
            found = points(document, swept)
            with _progress(len(found)) as tick:
                results = sim.sweep(inputs, swept.path, found, _pools(pools), before, tick)
    _emit([simulation_data(r) for r in results], fmt, output, vary is not None)


def _inputs(sources: Sources, cycle: int, base: str | None, assessments: str | None,
            communes: str | None, pools: Sequence[str], base_pools: Sequence[str]) -> Any:
    if assessments is None:
        if communes is not None:
            raise usage("--communes goes with --assessments (without them: the ledger's inputs)")
        return sources.stored_inputs(cycle)
    chosen = _pools(base_pools) or _pools(pools)
    if not chosen:
        raise usage("with --assessments, give the cycle's pools: --pool WINDOW=MAD")
    ruleset = sources.ruleset(base) if base else sources.cycle_ruleset(cycle)
    from pac_grants.simulation.inputs import from_files

    return from_files(ruleset, communes or bundled_communes_path(), assessments, chosen)


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    """A progress bar on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty():
        yield lambda _done: None
        return
    with click.progressbar(length=total, label="simulating", file=sys.stderr) as bar:
        yield bar.update


def _emit(datas: list[dict[str, Any]], fmt: str, output: Path | None, sweep: bool) -> None:
    if fmt == "xlsx":
        from pac_grants.simulation.xlsx import workbook

        body = workbook(datas)
        if output is None:
            click.get_binary_stream("stdout").write(body)
            return
    else:
        text = _text(datas, fmt, sweep)
        if output is None:
            click.echo(text, nl=False)
            return
        body = text.encode("utf-8")
    try:
        output.write_bytes(body)
    except OSError as exc:
        raise usage(f"{output}: cannot write: {exc.strerror}") from None


def _text(datas: list[dict[str, Any]], fmt: str, sweep: bool) -> str:
    if fmt == "json":
        found = [plain(d) for d in datas]
        return json.dumps(found if sweep else found[0], ensure_ascii=False) + "\n"
    if fmt == "csv":
        if sweep:
            return tables.csv_text(tables.SWEEP_COLUMNS, tables.sweep_rows(datas))
        return tables.csv_text(tables.COMMUNE_COLUMNS, tables.commune_rows(datas[0]))
    if sweep:
        return tables.sweep_text(datas)
    return tables.table_text(datas[0])
