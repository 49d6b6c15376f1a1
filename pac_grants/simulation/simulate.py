"""A simulation: the same inputs under two rulesets, and the difference (issue 13).

No database and no broker in here: the inputs come in as :class:`CycleInputs`, the
computation is :func:`pac_grants.rules.engine.compute_cycle` twice, so nothing a
simulation does can reach the ledger. The base is the cycle's own ruleset and pools
unless told otherwise; pool overrides (``--pool``, ``pool.w=``) apply to the variant:
"what if this window had that pool".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.ruleset import Ruleset
from pac_grants.simulation.compare import Row, rows
from pac_grants.simulation.inputs import CycleInputs
from pac_grants.simulation.sweep import Point


class SimulationError(ValueError):
    """Inputs and rulesets that cannot be simulated together; one sentence."""


@dataclass(frozen=True)
class Simulation:
    cycle: int
    base: CycleResult
    variant: CycleResult
    rows: tuple[Row, ...]
    vary: tuple[str, Decimal] | None = None  # (path, value) of a sweep's point


def base_result(inputs: CycleInputs, ruleset: Ruleset | None = None,
                overrides: Mapping[str, int] | None = None) -> CycleResult:
    """The cycle as it stands: its own ruleset and pools, unless ``--base`` gives
    another ruleset or ``--base-pool`` other pools."""
    chosen = ruleset or inputs.ruleset
    _same_cycle(chosen, inputs.cycle, "base")
    return _compute(inputs, chosen, pools(chosen, inputs.pools, overrides or {}, "base"))


def simulate(inputs: CycleInputs, variant: Ruleset, overrides: Mapping[str, int] | None = None,
             base: CycleResult | None = None) -> Simulation:
    """Base and variant over ``inputs``; ``base`` when already computed (a sweep)."""
    before = base or base_result(inputs)
    _same_cycle(variant, inputs.cycle, "variant")
    after = _compute(inputs, variant, pools(variant, inputs.pools, overrides or {}, "variant"))
    return Simulation(inputs.cycle, before, after, tuple(rows(before, after)))


def sweep(inputs: CycleInputs, path: str, points: Iterable[Point],
          overrides: Mapping[str, int] | None = None, base: CycleResult | None = None,
          progress: Callable[[int], None] = lambda _done: None) -> list[Simulation]:
    """One simulation per point of ``--vary``, the base computed once."""
    before = base or base_result(inputs)
    found = []
    for point in points:
        one = simulate(inputs, point.ruleset, overrides, before)
        found.append(Simulation(one.cycle, one.base, one.variant, one.rows, (path, point.value)))
        progress(1)
    return found


def pools(ruleset: Ruleset, current: Mapping[str, int], overrides: Mapping[str, int],
          side: str) -> dict[str, int]:
    """The pool of each of the ruleset's windows; a window without one is an error
    (docs/cli.md s3.7), as is an override for a window it does not have."""
    ids = [w.id for w in ruleset.windows]
    unknown = sorted(set(overrides) - set(ids))
    if unknown:
        raise SimulationError(f"pool for unknown window(s) {', '.join(unknown)} of the {side} "
                              f"ruleset {ruleset.id} (windows: {', '.join(ids)})")
    chosen = {w: overrides.get(w, current.get(w)) for w in ids}
    missing = [w for w, pool in chosen.items() if pool is None]
    if missing:
        hint = (f" (give one: --pool {missing[0]}=MAD, or pool.{missing[0]}= in the API)"
                if side == "variant" else "")
        raise SimulationError(f"window(s) {', '.join(missing)} of the {side} ruleset "
                              f"{ruleset.id} have no pool in cycle {ruleset.cycle}{hint}")
    return {w: int(pool) for w, pool in chosen.items() if pool is not None}


def _same_cycle(ruleset: Ruleset, cycle: int, side: str) -> None:
    if ruleset.cycle != cycle:
        raise SimulationError(f"the {side} ruleset {ruleset.id} is for cycle {ruleset.cycle}, "
                              f"not {cycle}")


def _compute(inputs: CycleInputs, ruleset: Ruleset, chosen: Mapping[str, int]) -> CycleResult:
    return compute_cycle(ruleset, inputs.communes, inputs.assessments, chosen)
