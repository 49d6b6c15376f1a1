"""A cycle's allocation table and a commune's explanation, for the finance page.

The amounts come from the read side (:mod:`pac_grants.readside`): the cycle recomputed
over the inputs the worker stored, by the same code, so a closed cycle's amounts equal
the ledger's (docs/ledger.md s5, consistent with the rules). A ledger without that state
(filled by another writer) falls back to the latest stored allocation result of each
window. Each row also carries what the ledger holds (allocated with adjustments, paid,
outstanding), so the table can be checked against it.
"""

from __future__ import annotations

from typing import Any

from models.codes import CycleState
from models.results import commune_json
from pac_grants import money, readside
from pac_grants.ledger import NotFound, Reader
from pac_grants.rules.engine import CycleResult
from pac_grants.rules.explain import explain


def recomputed(reader: Reader, cycle: int) -> tuple[CycleResult, str] | None:
    """(result, status) over the stored inputs, or None if the worker never saw the cycle."""
    row = reader.state.cycle(cycle)
    if row is None:
        return None
    status = {CycleState.APPROVED: "final", CycleState.NOTIFIED: "notified"}.get(row.state,
                                                                             "provisional")
    return readside.cycle_result(reader, cycle), status


def allocation(reader: Reader, cycle: int) -> dict[str, Any]:
    """The allocation of every window with names, reasons, caps and ledger balances."""
    found = recomputed(reader, cycle)
    if found is not None:
        return _from_result(reader, *found)
    return _from_stored(reader, cycle)


def explanation(reader: Reader, cycle: int, code: str) -> dict[str, Any]:
    """docs/rules.md "Explanation" over the recomputed cycle; money as decimal strings."""
    found = recomputed(reader, cycle)
    if found is None:
        raise NotFound(f"cycle {cycle} has no input state in this database to explain")
    data = explain(found[0], code)
    if data is None:
        raise NotFound(f"commune {code} is not registered for cycle {cycle}")
    formula = dict(data["formula"])
    formula["pool"] = money.mad_text(formula["pool"])
    formula["cap"] = None if formula["cap"] is None else money.mad_text(formula["cap"])
    return data | {"formula": formula, "amount": money.mad_text(data["amount"])}


def _from_result(reader: Reader, result: CycleResult, status: str) -> dict[str, Any]:
    ledger = _ledger_columns(reader, result.cycle)
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


def _from_stored(reader: Reader, cycle: int) -> dict[str, Any]:
    stored = [r for w in reader.postings.windows(cycle)
              if (r := reader.results.latest(cycle, w)) is not None]
    if not stored:
        raise NotFound(f"cycle {cycle} has no allocation result in the ledger")
    ledger = _ledger_columns(reader, cycle)
    names = reader.communes.regions()
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
    return {"window": window, "pool": money.mad_text(pool),
            "allocated": money.mad_text(pool - unallocated),
            "unallocated": money.mad_text(unallocated), "eligible": eligible, "communes": rows}


def _row(result: dict[str, Any], names: dict[str, Any],
         ledger: dict[str, tuple[int, int, int]]) -> dict[str, Any]:
    allocated, paid, outstanding = ledger.get(result["code"], (0, 0, 0))
    return {"code": result["code"], "name_fr": names.get("name_fr"),
            "name_ar": names.get("name_ar"), "region": names.get("region"),
            "eligible": result["eligible"], "reasons": list(result["reasons"]),
            "failed_conditions": list(result["failed_conditions"]), "score": result["score"],
            "capped": result["capped"], "amount": money.mad_text(result["amount"]),
            "ledger_allocated": money.text(allocated), "paid": money.text(paid),
            "outstanding": money.text(outstanding)}


def _ledger_columns(reader: Reader, cycle: int) -> dict[str, tuple[int, int, int]]:
    """code -> (allocated with adjustments, paid, outstanding) in centimes."""
    return {b.code: (b.allocated, b.paid, b.outstanding)
            for b in reader.postings.balances(cycle)}
