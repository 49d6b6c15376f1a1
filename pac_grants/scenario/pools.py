"""The program's money at its source: the pools of docs/rules.md s6 and who finances them.

The program is co-financed by the World Bank, AFD and the State (docs/rules.md s8.4):
from 2023 the ``standard`` window's pool names its financiers when the cycle opens
(docs/events.md s4.1, the object form); 2024's ``grandes_communes`` stays the State's
alone. Cycle 2022 opens with the State's money and, while it is assessed, the World Bank
and AFD join it (a ``PoolAdjusted`` in the object form): the pool then exceeds what the
communes' caps can take, so 2022 leaves money unallocated, which its ruleset carries over
to 2023 (``unallocated: carry_over``). Every amount is whole MAD, times ``scale``.
"""

from __future__ import annotations

from typing import Any

#: The funded pool of each window (MAD) when its cycle opens (docs/rules.md s6).
DEMO_POOLS: dict[int, dict[str, int]] = {
    2019: {"standard": 210_000_000}, 2020: {"standard": 1_200_000_000},
    2021: {"standard": 1_500_000_000}, 2022: {"standard": 1_600_000_000},
    2023: {"standard": 1_700_000_000},
    2024: {"standard": 1_300_000_000, "grandes_communes": 500_000_000}}

#: Co-financed windows at their opening: financier -> part (MAD), summing to the pool.
FINANCIERS: dict[tuple[int, str], dict[str, int]] = {
    (2023, "standard"): {"world_bank": 1_000_000_000, "afd": 400_000_000,
                         "state": 300_000_000},
    (2024, "standard"): {"world_bank": 800_000_000, "afd": 300_000_000, "state": 200_000_000}}

#: 2022's pool after the World Bank and AFD joined the State (docs/events.md s4.2).
TOP_UP: tuple[int, str, dict[str, int]] = (
    2022, "standard", {"world_bank": 1_000_000_000, "afd": 400_000_000, "state": 1_600_000_000})


def funded(cycle: int, scale: int) -> dict[str, int]:
    """The totals each window opens with (MAD)."""
    return {w: pool * scale for w, pool in DEMO_POOLS[cycle].items()}


def opening(cycle: int, scale: int) -> dict[str, Any]:
    """``CycleOpened.pools``: a number, or the object form where financiers are named."""
    return {w: wire(pool, FINANCIERS.get((cycle, w)), scale)
            for w, pool in DEMO_POOLS[cycle].items()}


def wire(total: int, parts: dict[str, int] | None, scale: int) -> int | dict[str, Any]:
    """A pool as the wire carries it: whole MAD, or ``{"total", "financiers"}``."""
    return total * scale if parts is None else cofinanced(parts, scale)


def cofinanced(parts: dict[str, int], scale: int) -> dict[str, Any]:
    """The object form: the total and each financier's part, times ``scale``."""
    return {"total": sum(parts.values()) * scale,
            "financiers": {name: part * scale for name, part in sorted(parts.items())}}


def top_up(scale: int) -> tuple[int, str, dict[str, Any]]:
    """(cycle, window, ``PoolAdjusted.pool_mad``) of the co-financing that joins 2022."""
    cycle, window, parts = TOP_UP
    return cycle, window, cofinanced(parts, scale)


def total(pool: int | dict[str, Any]) -> int:
    """The total of a pool in either form."""
    return int(pool["total"]) if isinstance(pool, dict) else int(pool)
