"""The sample program's final inputs as a simulation's inputs, and its files on disk."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pac_grants.rules.ruleset import packaged_ruleset
from pac_grants.scenario import Program, generate_program
from pac_grants.scenario.final import to_assessment, to_commune
from pac_grants.simulation.inputs import FileInputs

CYCLES = tuple(range(2019, 2025))


@cache
def program() -> Program:
    return generate_program()


def final_inputs(cycle: int, sample: Program | None = None) -> FileInputs:
    """What counts for ``cycle`` once the whole program is processed."""
    communes, events, pools = (sample or program()).final_inputs(cycle)
    ruleset = packaged_ruleset(cycle)
    assert ruleset is not None
    return FileInputs(cycle, ruleset, tuple(to_commune(r) for r in communes),
                      {code: to_assessment(e) for code, e in events.items()}, pools)


def write_files(directory: Path) -> tuple[str, str]:
    """(communes.csv, final.assessments.jsonl) of the program, as ``allocate`` reads them."""
    program().write_jsonl(directory)
    return str(directory / "communes.csv"), str(directory / "final.assessments.jsonl")


def pool_args(cycle: int) -> list[str]:
    return [arg for window, pool in program().pools[cycle].items()
            for arg in ("--pool", f"{window}={pool}")]
