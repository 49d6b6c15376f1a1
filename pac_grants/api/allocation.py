"""A cycle's allocation table and a commune's explanation, for the finance page.

The amounts come from recomputing the cycle over the pipeline's input state stored in
the ledger's database (:func:`streams.cycles.compute`, the worker's own selection of the
counting assessments, read-only without a batch: the inputs the worker used, so
a closed cycle's amounts equal the ledger's, ledger.md "Consistent with the rules"). A
ledger without that state (filled by another writer) falls back to the latest stored
allocation result of each window. Each row also carries what the ledger holds
(allocated with adjustments, paid, outstanding), so the table can be checked against it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from models.ledger import COMMUNES
from models.results import commune_json
from pac_grants import money
from pac_grants.ledger import reading, reference
from pac_grants.ledger.errors import NotFound
from pac_grants.rules.engine import CycleResult
from pac_grants.rules.explain import explain
from streams import cycles, state


def recomputed(conn: Connection, cycle: int) -> tuple[CycleResult, str] | None:
    """(result, status) over the pipeline's state, or None if it never saw the cycle."""
    row = state.get_cycle(conn, cycle)
    if row is None:
        return None
    return cycles.compute(conn, row), "final" if row.status == "closed" else "provisional"


def allocation(conn: Connection, cycle: int) -> dict[str, Any]:
    """The allocation of every window with names, reasons, caps and ledger balances."""
    found = recomputed(conn, cycle)
    if found is not None:
        result, status = found
        return _from_result(conn, result, status)
    return _from_stored(conn, cycle)


def explanation(conn: Connection, cycle: int, code: str) -> dict[str, Any]:
    """rules.md s7 over the recomputed cycle; money fields as decimal strings."""
    found = recomputed(conn, cycle)
    if found is None:
        raise NotFound(f"cycle {cycle} has no input state in this database to explain")
    data = explain(found[0], code)
    if data is None:
        raise NotFound(f"commune {code} is not registered for cycle {cycle}")
    formula = dict(data["formula"])
    formula["pool"] = _mad(formula["pool"])
    formula["cap"] = None if formula["cap"] is None else _mad(formula["cap"])
    return data | {"formula": formula, "amount": _mad(data["amount"])}


def _mad(amount: int) -> str:
    return money.mad_text(int(amount))


def _from_result(conn: Connection, result: CycleResult, status: str) -> dict[str, Any]:
    ledger = _ledger_columns(conn, result.cycle)
    ruleset = result.ruleset
    windows = []
    for w in result.windows:
        rows = []
        for c in w.communes:
            names = {"name_fr": c.commune.name_fr, "name_ar": c.commune.name_ar,
                     "region": c.commune.region}
            rows.append(_row(commune_json(c), names, ledger))
        windows.append(_window(w.window.id, w.pool, w.unallocated, w.eligible_count, rows))
    return {"cycle": result.cycle, "status": status, "source": "recomputed",
            "ruleset": {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest},
            "inputs_digest": result.inputs_digest, "windows": windows}


def _from_stored(conn: Connection, cycle: int) -> dict[str, Any]:
    stored = [r for w in reading.windows(conn, cycle)
              if (r := reference.latest_allocation_result(conn, cycle, w)) is not None]
    if not stored:
        raise NotFound(f"cycle {cycle} has no allocation result in the ledger")
    ledger = _ledger_columns(conn, cycle)
    names = _reference_names(conn)
    windows = []
    for r in stored:
        body = r.result
        rows = [_row(c, names.get(c["code"], {}), ledger) for c in body["communes"]]
        eligible = sum(1 for c in body["communes"] if c["eligible"])
        windows.append(_window(r.window, body["pool"], body["unallocated"], eligible, rows))
    last = stored[-1]
    status = "final" if all(r.status == "final" for r in stored) else "provisional"
    return {"cycle": cycle, "status": status, "source": "stored",
            "ruleset": {"id": last.ruleset_id, "version": None, "digest": last.ruleset_digest},
            "inputs_digest": last.inputs_digest, "windows": windows}


def _window(window: str, pool: int, unallocated: int, eligible: int,
            rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"window": window, "pool": _mad(pool), "allocated": _mad(pool - unallocated),
            "unallocated": _mad(unallocated), "eligible": eligible, "communes": rows}


def _row(result: dict[str, Any], names: dict[str, Any],
         ledger: dict[str, tuple[int, int, int]]) -> dict[str, Any]:
    allocated, paid, outstanding = ledger.get(result["code"], (0, 0, 0))
    return {"code": result["code"], "name_fr": names.get("name_fr"),
            "name_ar": names.get("name_ar"), "region": names.get("region"),
            "eligible": result["eligible"], "reasons": list(result["reasons"]),
            "failed_conditions": list(result["failed_conditions"]), "score": result["score"],
            "capped": result["capped"], "amount": _mad(result["amount"]),
            "ledger_allocated": money.text(allocated), "paid": money.text(paid),
            "outstanding": money.text(outstanding)}


def _ledger_columns(conn: Connection, cycle: int) -> dict[str, tuple[int, int, int]]:
    """code -> (allocated with adjustments, paid, outstanding) in centimes."""
    balances = reading.account_balances(conn, cycle, ("payable", "paid"))
    allocated: dict[str, int] = {}
    for (_window, code), amount in reading.allocated(conn, cycle).items():
        allocated[code] = allocated.get(code, 0) + amount
    codes = set(allocated) | {name.split(":", 2)[2] for name in balances}
    return {code: (allocated.get(code, 0), balances.get(f"paid:{cycle}:{code}", 0),
                   balances.get(f"payable:{cycle}:{code}", 0)) for code in codes}


def _reference_names(conn: Connection) -> dict[str, dict[str, Any]]:
    query = select(COMMUNES.c.code, COMMUNES.c.name_fr, COMMUNES.c.name_ar, COMMUNES.c.region)
    return {code: {"name_fr": fr, "name_ar": ar, "region": region}
            for code, fr, ar, region in conn.execute(query)}
