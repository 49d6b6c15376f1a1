"""The finance views: cycle summary and balances by commune (docs/ledger.md "Reading").

They build the response models of :mod:`models.responses` (centimes inside, money text
in JSON), which the CLI prints and the API returns.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from models.ledger import COMMUNES
from models.responses import CommuneBalance, CycleSummary, WindowSummary
from pac_grants.ledger import reading
from pac_grants.ledger.errors import NotFound

NAME_LOOKUP_LIMIT = 500  # below it, names are fetched by code; above, the whole table


def require_cycle(connection: Connection, cycle: int) -> None:
    known = reading.cycles(connection)
    if cycle not in known:
        listed = ", ".join(map(str, known)) or "none"
        raise NotFound(f"cycle {cycle} has no transaction in the ledger (cycles: {listed})")


def summary(connection: Connection, cycle: int | None = None) -> list[CycleSummary]:
    """Pool, allocated, unallocated, paid and eligible per window (ledger.md)."""
    if cycle is not None:
        require_cycle(connection, cycle)
    chosen = reading.cycles(connection) if cycle is None else [cycle]
    return [_cycle_summary(connection, c) for c in chosen]


def _cycle_summary(connection: Connection, cycle: int) -> CycleSummary:
    balances = reading.account_balances(connection, cycle, ("funding", "pool"))
    allocated = reading.allocated(connection, cycle)
    paid = _paid_by_window(reading.disbursed(connection, cycle), allocated)
    eligible = reading.eligible(connection, cycle)
    windows = [
        WindowSummary(
            window=w,
            pool=-balances.get(f"funding:{cycle}:{w}", 0),
            allocated=sum(v for (win, _), v in allocated.items() if win == w),
            unallocated=balances.get(f"pool:{cycle}:{w}", 0),
            paid=paid.get(w, 0),
            eligible=eligible.get(w),
        )
        for w in reading.windows(connection, cycle)
    ]
    status = "closed" if reading.is_closed(connection, cycle) else "open"
    return CycleSummary(cycle=cycle, status=status, windows=windows)


def _paid_by_window(
    disbursed: dict[tuple[str | None, str], int], allocated: dict[tuple[str | None, str], int]
) -> dict[str | None, int]:
    """A payment counts in the window its commune was allocated in."""
    window_of = {code: window for window, code in allocated}
    totals: dict[str | None, int] = {}
    for (window, code), amount in disbursed.items():
        key = window_of.get(code, window)
        totals[key] = totals.get(key, 0) + amount
    return totals


def balances(connection: Connection, cycle: int, as_of: date | None = None) -> list[CommuneBalance]:
    """Every commune with a transaction in the cycle (by ``as_of``), sorted by code."""
    require_cycle(connection, cycle)
    accounts = reading.account_balances(connection, cycle, ("payable", "paid"), as_of)
    allocated = reading.allocated(connection, cycle, as_of)
    window_of = {code: window for window, code in allocated}
    allocated_of: dict[str, int] = {}
    for (_, code), amount in allocated.items():
        allocated_of[code] = allocated_of.get(code, 0) + amount
    codes = sorted({name.split(":", 2)[2] for name in accounts})
    names = commune_names(connection, codes)
    return [
        CommuneBalance(
            code=code,
            window=window_of.get(code),
            allocated=allocated_of.get(code, 0),
            paid=accounts.get(f"paid:{cycle}:{code}", 0),
            outstanding=accounts.get(f"payable:{cycle}:{code}", 0),
            name_fr=names.get(code, (None, None))[0],
            name_ar=names.get(code, (None, None))[1],
        )
        for code in codes
    ]


def commune_names(connection: Connection, codes: list[str]) -> dict[str, tuple[str, str]]:
    """code -> (name_fr, name_ar) from the reference table, for the codes it knows."""
    statement = select(COMMUNES.c.code, COMMUNES.c.name_fr, COMMUNES.c.name_ar)
    if len(codes) < NAME_LOOKUP_LIMIT:
        statement = statement.where(COMMUNES.c.code.in_(codes))
    wanted = set(codes)
    return {
        code: (fr, ar) for code, fr, ar in connection.execute(statement) if code in wanted
    }
