"""A cycle recomputed from the pipeline's input state, read-only (rules.md s3-4, s7).

The worker keeps its inputs in the ledger's database (``models/state.py``: the latest
``CommuneRegistered`` per code, each cycle's ruleset and pools, every accepted revision
of an assessment with its status). Recomputing over them gives the amounts the worker
posted, with every intermediate value that ``explain()`` needs. The selection is the
worker's (``streams/cycles.py``): per commune the highest ``counted`` revision, plus
``held`` assessments of communes not registered yet, so that the result lists them.
Plain SQLAlchemy Core reads of those tables, so the API needs none of the worker's
batch machinery and never writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select

from models import state as t
from models.decode import parse_json
from models.events import AssessmentSubmitted, CommuneRegistered
from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.ruleset import packaged_ruleset_by_id
from pac_grants.rules.types import Assessment, Commune


@dataclass(frozen=True)
class CycleInputs:
    cycle: int
    ruleset_id: str
    pools: dict[str, int]
    status: str  # open | closed


def cycle_inputs(conn: Connection, cycle: int) -> CycleInputs | None:
    """The cycle as the worker opened it, or None if the worker never saw it."""
    c = t.cycles.c
    row = conn.execute(select(c.ruleset_id, c.pools, c.status).where(c.cycle == cycle)).first()
    if row is None:
        return None
    pools = {str(w): int(p) for w, p in json.loads(row.pools).items()}
    return CycleInputs(cycle, str(row.ruleset_id), pools, str(row.status))


def communes(conn: Connection) -> list[Commune]:
    payloads = conn.execute(select(t.communes.c.payload)).scalars()
    return [CommuneRegistered.model_validate(parse_json(p.encode("utf-8"))).to_domain()
            for p in payloads]


def assessments(conn: Connection, cycle: int) -> dict[str, Assessment]:
    """Highest counted revision per commune, then held ones (events.md "revisions")."""
    a = t.assessments.c
    query = (select(a.commune_code, a.payload, a.status)
             .where(a.cycle == cycle, a.status.in_(("counted", "held")))
             .order_by(a.status, a.commune_code, a.revision))  # "counted" < "held"
    chosen: dict[str, str] = {}
    for code, payload, _status in conn.execute(query):
        chosen[code] = payload
    return {code: AssessmentSubmitted.model_validate(parse_json(p.encode("utf-8"))).to_domain()
            for code, p in chosen.items()}


def recompute(conn: Connection, inputs: CycleInputs) -> CycleResult:
    ruleset = packaged_ruleset_by_id(inputs.ruleset_id)
    return compute_cycle(ruleset, communes(conn), assessments(conn, inputs.cycle), inputs.pools)
