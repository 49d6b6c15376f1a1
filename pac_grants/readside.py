"""The read side: a cycle's inputs and results, rebuilt from what the worker stored.

One module for everybody who needs a cycle's allocation from the database (cosmicpython's
``views.py``): the worker when it recomputes (inside its batch, through its unit of work),
the API and the page, ``explain``, the demo. It only reads: it takes any object with a
``state`` repository (:class:`~pac_grants.ledger.Reader` or the worker's unit of work),
calls only the read methods of :class:`StateView`, and gives plain values to the pure
rules engine (docs/rules.md). So the amounts shown are the amounts posted, computed by the
same code from the same inputs.

Stored payloads were validated when they arrived; parsing them again is cached, one
value per commune code and per (cycle, commune), replaced when the stored value changes
(its content digest, its event id): the caches grow with the state, never with the
number of revisions or updates a run has seen (docs/reliability.md, finding 11).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from models.codes import CycleState
from models.decode import parse_json
from models.events import AssessmentSubmitted, CommuneRegistered
from pac_grants.ledger import AssessmentRow, CycleRow, NotFound, StateView, StoredCommune
from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset_by_id, stored_ruleset
from pac_grants.rules.types import Assessment, Commune

CACHE_LIMIT = 500_000  # (cycle, commune) pairs or codes kept; cleared beyond (memory bound)
_COMMUNES: dict[str, tuple[str, Commune]] = {}  # code -> (content digest, commune)
_ASSESSMENTS: dict[tuple[int, str], tuple[str, Assessment]] = {}  # -> (event id, value)


class Stored(Protocol):
    """What the read side reads: a reader, or the worker's unit of work."""

    @property
    def state(self) -> StateView: ...


@dataclass(frozen=True)
class CycleInputs:
    """Everything the engine needs for one cycle, as the worker stored it."""

    cycle: int
    ruleset: Ruleset
    communes: tuple[Commune, ...]
    assessments: Mapping[str, Assessment]  # the counting one per commune code
    pools: Mapping[str, int]  # MAD per window
    state: CycleState


def commune(stored: StoredCommune) -> Commune:
    found = _COMMUNES.get(stored.code)
    if found is None or found[0] != stored.digest:
        _bound(_COMMUNES)
        event = CommuneRegistered.model_validate(parse_json(stored.payload.encode("utf-8")))
        found = _COMMUNES[stored.code] = (stored.digest, event.to_domain())
    return found[1]


def assessment(row: AssessmentRow) -> Assessment:
    key = (row.cycle, row.commune_code)
    found = _ASSESSMENTS.get(key)
    if found is None or found[0] != row.event_id:
        _bound(_ASSESSMENTS)
        event = AssessmentSubmitted.model_validate(parse_json(row.payload.encode("utf-8")))
        found = _ASSESSMENTS[key] = (row.event_id, event.to_domain())
    return found[1]


def _bound(cache: dict[Any, Any]) -> None:
    if len(cache) > CACHE_LIMIT:
        cache.clear()


def stored_cycle(stored: Stored, number: int) -> CycleRow:
    """The cycle's row; :class:`NotFound` if the worker never saw it opened."""
    row = stored.state.cycle(number)
    if row is None:
        raise NotFound(f"cycle {number} was never opened in this ledger's input state")
    return row


def ruleset_of(row: CycleRow) -> Ruleset:
    """The rules the cycle opened with, for good (docs/rules.md "Rulesets")."""
    if row.ruleset_document:
        return stored_ruleset(row.ruleset_document)
    return packaged_ruleset_by_id(row.ruleset_id)


def registry(stored: Stored, row: CycleRow, last_approval: bool = False
             ) -> list[StoredCommune]:
    """The commune data that counts for the cycle: frozen at its last approval while it is
    approved (docs/events.md s3.1), else the latest registered.
    ``last_approval``: the frozen data also while the cycle is reopened (simulations)."""
    if row.approved or (last_approval and row.approvals):
        frozen = stored.state.frozen_communes(row.cycle)
        if frozen:
            return [commune_row for commune_row, _window in frozen.values()]
    return list(stored.state.communes().values())


def placed_communes(stored: Stored, row: CycleRow, parsed: Mapping[str, Commune] | None = None
                    ) -> list[tuple[StoredCommune, str | None]]:
    """The current communes with their window in the cycle (what an approval freezes).
    ``parsed``: their domain values where the caller holds them already (the worker's
    registry), so that they are not parsed again."""
    ruleset = ruleset_of(row)
    placed = []
    for entry in stored.state.communes().values():
        value = (parsed or {}).get(entry.code) or commune(entry)
        population = value.population.get(ruleset.population_census, 0)
        window = ruleset.window_of(population)
        placed.append((entry, None if window is None else window.id))
    return placed


def cycle_inputs(stored: Stored, number: int, *, last_approval: bool = False) -> CycleInputs:
    """The inputs that count: the cycle's commune data, the highest counted revision per
    commune, and the held assessments of communes not registered yet (so that the result
    lists them, docs/events.md "Allocation results"). ``last_approval``: the commune data
    of the last approval even while the cycle is reopened (what a simulation compares)."""
    row = stored_cycle(stored, number)
    rows = dict(stored.state.counted(number))
    if not row.approved:
        for held in sorted(stored.state.held(cycles=[number]), key=lambda r: r.revision):
            rows[held.commune_code] = held
    communes = tuple(commune(c) for c in registry(stored, row, last_approval))
    return CycleInputs(number, ruleset_of(row), communes,
                       {code: assessment(r) for code, r in rows.items()}, row.effective_pools,
                       row.state)


def cycle_result(stored: Stored, number: int) -> CycleResult:
    """The cycle's allocation over its stored inputs (docs/rules.md)."""
    inputs = cycle_inputs(stored, number)
    return compute_cycle(inputs.ruleset, inputs.communes, inputs.assessments, inputs.pools)
