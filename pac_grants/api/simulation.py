"""The simulation routes (issue 13): a cycle's stored inputs under a variant ruleset.

``GET /api/v1/cycles/{cycle}/simulation?variant=ID[&pool.w=MAD]`` gives the JSON of
``pac-grants simulate``; ``.../simulation.xlsx`` the same as a workbook; ``/rulesets``
what ``variant`` may name (packaged and stored rulesets). Read-only like every route:
the inputs and stored rulesets are read in one read-only transaction, the computation
runs in memory after it. An unknown cycle or variant is 404; a variant or pool that
cannot be simulated (another cycle's ruleset, a window without a pool) is 422 with the
reason.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from pac_grants.api import simulation_schemas as schemas
from pac_grants.api.routes import Cycle, Db
from pac_grants.ledger import Ledger
from pac_grants.readside import cycle_inputs
from pac_grants.rules.engine import PoolError
from pac_grants.rules.ruleset import RulesetError
from pac_grants.simulation import simulate as sim
from pac_grants.simulation import store
from pac_grants.simulation.inputs import CycleInputs
from pac_grants.simulation.report import simulation_data, simulation_json

MAX_POOL = 10**15  # MAD: far above any programme, small enough to stay a sane request
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"model": schemas.Problem, "description": "Unknown cycle or variant."},
    422: {"model": schemas.Problem, "description": "A variant or pool that cannot be "
                                                  "simulated on this cycle, with the reason."},
}

# No example value: any documented example would be combined with other cycles by
# schemathesis, and a ruleset of another cycle is rightly refused (422).
Variant = Annotated[str, Query(
    min_length=1, max_length=80, pattern=r"^[0-9A-Za-z._:-]+$",
    description="A packaged or stored ruleset: its id, or its digest sha256:<hex> "
                "(12 digits or more); see /api/v1/rulesets. A ruleset of another cycle "
                "is refused (422).")]
StandardPool = Annotated[int | None, Query(
    alias="pool.standard", ge=0, le=MAX_POOL,
    description="The variant's pool of window standard in whole MAD (default: the "
                "cycle's). Any window: pool.<window>=MAD.")]

router = APIRouter(prefix="/api/v1", tags=["simulation"], responses=PROBLEMS)


@router.get("/rulesets", response_model=schemas.Rulesets)
def rulesets(db: Db) -> dict[str, Any]:
    """Packaged and stored rulesets, with the name to give as ``variant``."""
    with db.reader() as reader:
        entries = store.catalogue(reader.rulesets)
    return {"rulesets": store.listing(entries)}


@router.get("/cycles/{cycle}/simulation", response_model=schemas.Simulation)
def simulation(cycle: Cycle, variant: Variant, request: Request, db: Db,
               pool_standard: StandardPool = None) -> dict[str, Any]:
    """Base (the cycle's ruleset and pools) against the variant, commune by commune."""
    return simulation_json(_simulate(db, cycle, variant, request))


@router.get("/cycles/{cycle}/simulation.xlsx", response_class=Response, responses={
    200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
          "description": "The simulation as a workbook: communes, totals, regions, "
                         "provinces, parameters."}})
def simulation_xlsx(cycle: Cycle, variant: Variant, request: Request, db: Db,
                    pool_standard: StandardPool = None) -> Response:
    """The same simulation as an Excel workbook (typed numeric cells)."""
    from pac_grants.simulation.xlsx import workbook

    found = _simulate(db, cycle, variant, request)
    name = re.sub(r"[^0-9A-Za-z._-]", "_", variant)
    return Response(workbook([simulation_data(found)]), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="pac-simulation-{cycle}-{name}.xlsx"'})


def _simulate(db: Ledger, cycle: int, variant: str, request: Request) -> sim.Simulation:
    overrides = pool_overrides(request)
    inputs, entries = _read(db, cycle)
    try:
        ruleset = store.resolve(variant, entries).document().ruleset()
        return sim.simulate(inputs, ruleset, overrides)
    except store.UnknownRuleset as exc:
        raise HTTPException(404, str(exc)) from None
    except (RulesetError, sim.SimulationError, PoolError) as exc:
        raise HTTPException(422, str(exc)) from None


def _read(db: Ledger, cycle: int) -> tuple[CycleInputs, list[store.Entry]]:
    """The cycle's stored inputs (NotFound: 404) and the rulesets a variant may name, in
    one read-only snapshot."""
    with db.reader() as reader:
        return cycle_inputs(reader, cycle, last_approval=True), store.catalogue(reader.rulesets)


def pool_overrides(request: Request) -> dict[str, int]:
    """Every ``pool.<window>=MAD`` of the query (only ``pool.standard`` is documented)."""
    found: dict[str, int] = {}
    for key, value in request.query_params.multi_items():
        if not key.startswith("pool."):
            continue
        window = key.removeprefix("pool.")
        if not re.fullmatch(r"[0-9]{1,16}", value) or int(value) > MAX_POOL:
            raise HTTPException(422, f"{key}={value!r}: expected whole MAD from 0 to {MAX_POOL}")
        if window in found:
            raise HTTPException(422, f"{key} given twice")
        found[window] = int(value)
    return found
