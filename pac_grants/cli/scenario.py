"""``pac-grants scenario``: write the deterministic sample program as JSONL files.

The files feed ``pac-grants publish`` (one file per phase and topic, in order) and
``pac-grants allocate`` (``communes.csv``, ``final.assessments.jsonl``).
"""

from __future__ import annotations

from pathlib import Path

import click


def _cycles(ctx: click.Context, param: click.Parameter, text: str) -> range | list[int]:
    """``2019-2024`` or ``2021,2023``."""
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            return range(first, last + 1)
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected a range like 2019-2024 or a list "
                                 "like 2021,2023") from None


@click.command("scenario")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the files into (created if missing).")
@click.option("--seed", default=20190, show_default=True, type=int,
              help="Same seed, same bytes.")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(min=1),
              help="Copies of the 103 bundled communes; pools are multiplied by it.")
@click.option("--revisions", default=0, show_default=True, type=click.IntRange(min=0),
              help="Extra assessment revisions for every commune and cycle.")
@click.option("--cycles", default="2019-2024", show_default=True, callback=_cycles,
              help="Cycles to include: a range (2019-2024) or a list (2021,2023).")
def scenario(out: Path, seed: int, scale: int, revisions: int, cycles: list[int]) -> None:
    """Write the sample program (docs/events.md) as JSONL files, one per phase and topic."""
    from pac_grants.scenario import generate_program

    try:
        program = generate_program(seed=seed, scale=scale, cycles=cycles,
                                   revisions=revisions)
        written = program.write_jsonl(out)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{out}: cannot write: {exc.strerror}") from None
    for path, lines in written:
        click.echo(f"{path}: {lines} lines", err=True)
