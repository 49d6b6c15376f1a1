"""The finance views: cycle summary and balances by commune (docs/ledger.md "Reading").

They build the response models of :mod:`models.responses` (centimes inside, money text
in JSON), which the CLI prints and the API returns.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from models.codes import CycleState
from models.ledger import COMMUNES
from models.responses import CommuneBalance, CycleSummary, WindowSummary
from pac_grants.ledger import reading
from pac_grants.ledger.errors import NotFound
from pac_grants.ledger.state import StateView

NAME_LOOKUP_LIMIT = 500  # below it, names are fetched by code; above, the whole table


def require_cycle(connection: Connection, cycle: int) -> None:
    known = reading.cycles(connection)
    if cycle not in known:
        listed = ", ".join(map(str, known)) or "none"
        raise NotFound(f"cycle {cycle} has no transaction in the ledger (cycles: {listed})")


def summary(connection: Connection, cycle: int | None = None) -> list[CycleSummary]:
    """Pool, allocated, unallocated, paid and eligible per window (docs/ledger.md s7)."""
    if cycle is not None:
        require_cycle(connection, cycle)
    chosen = reading.cycles(connection) if cycle is None else [cycle]
    return [_cycle_summary(connection, c) for c in chosen]


def _cycle_summary(connection: Connection, cycle: int) -> CycleSummary:
    pools = reading.pool_movements(connection, cycle)
    funding = reading.account_balances(connection, cycle, ("funding",))
    communes = _commune_totals(connection, cycle, None)
    eligible = reading.eligible(connection, cycle)
    windows = [_window_summary(cycle, w, pools.get(w, {}), funding, communes, eligible.get(w))
               for w in reading.windows(connection, cycle)]
    closed = reading.is_closed(connection, cycle)
    life = StateView(lambda: connection).cycle(cycle)
    if life is None:  # a ledger written without the pipeline's state
        return CycleSummary(cycle=cycle, status="closed" if closed else "open",
                            state=CycleState.APPROVED if closed else CycleState.OPEN,
                            windows=windows)
    return CycleSummary(cycle=cycle, status=life.status, state=life.state,
                        closed_on=life.closed_on, decision_ref=life.decision_ref,
                        windows=windows)


def _window_summary(cycle: int, window: str, moves: dict[str, int], funding: dict[str, int],
                    communes: list[CommuneBalance], eligible: int | None) -> WindowSummary:
    """docs/ledger.md s7 (summary): the pool with what was carried in, what the grants
    took, ordered, paid, outstanding, to recover, and what is left (returned) or carried."""
    funded = -sum(b for name, b in funding.items()
                  if name == f"funding:{cycle}:{window}"
                  or name.startswith(f"funding:{cycle}:{window}:"))
    mine = [c for c in communes if c.window == window]
    return WindowSummary(
        window=window, pool=funded + moves.get("carried_in", 0),
        allocated=moves.get("allocated", 0), ordered=sum(c.ordered for c in mine),
        paid=sum(c.paid for c in mine), paid_by_offset=sum(c.paid_by_offset for c in mine),
        outstanding=sum(c.outstanding for c in mine),
        to_recover=sum(c.to_recover for c in mine), unallocated=moves.get("balance", 0),
        carried_over=moves.get("carried_out", 0), eligible=eligible)


def balances(connection: Connection, cycle: int, as_of: date | None = None) -> list[CommuneBalance]:
    """Every commune with a transaction in the cycle (by ``as_of``), sorted by code."""
    require_cycle(connection, cycle)
    return _commune_totals(connection, cycle, as_of)


def _commune_totals(connection: Connection, cycle: int,
                    as_of: date | None) -> list[CommuneBalance]:
    """docs/ledger.md s4: allocated (the grant), ordered, paid, outstanding (payable +
    ordered) and to recover (minus receivable) of each commune of the cycle."""
    accounts = reading.account_balances(connection, cycle, COMMUNE_ACCOUNTS, as_of)
    grants: dict[str, int] = {}
    for (_window, code), amount in reading.allocated(connection, cycle, as_of).items():
        grants[code] = grants.get(code, 0) + amount
    windows = reading.commune_windows(connection, cycle, as_of)
    offsets = reading.paid_by_offset(connection, cycle, as_of)
    codes = sorted({name.split(":", 2)[2] for name in accounts} | set(grants))
    names = commune_names(connection, codes)

    def balance(kind: str, code: str) -> int:
        return accounts.get(f"{kind}:{cycle}:{code}", 0)

    return [CommuneBalance(
        code=code, window=windows.get(code), allocated=grants.get(code, 0),
        ordered=balance("ordered", code), paid=balance("paid", code),
        paid_by_offset=offsets.get(code, 0),
        outstanding=balance("payable", code) + balance("ordered", code),
        to_recover=-balance("receivable", code), name_fr=names.get(code, (None, None))[0],
        name_ar=names.get(code, (None, None))[1]) for code in codes]


COMMUNE_ACCOUNTS = ("payable", "ordered", "paid", "receivable")


def commune_names(connection: Connection, codes: list[str]) -> dict[str, tuple[str, str]]:
    """code -> (name_fr, name_ar) from the reference table, for the codes it knows."""
    statement = select(COMMUNES.c.code, COMMUNES.c.name_fr, COMMUNES.c.name_ar)
    if len(codes) < NAME_LOOKUP_LIMIT:
        statement = statement.where(COMMUNES.c.code.in_(codes))
    wanted = set(codes)
    return {
        code: (fr, ar) for code, fr, ar in connection.execute(statement) if code in wanted
    }
