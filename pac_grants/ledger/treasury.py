"""The treasury reads: payment orders as of a date, and sources and uses of a cycle
(docs/ledger.md s7, docs/cli.md "ledger orders", "ledger sources-uses").

An order's static fields come from ``pipeline_orders``; what was paid and cancelled of it
*as of* a date is summed from the ledger's own ``disbursement`` (``details.orders``) and
``order_cancel`` (``details.order_id``, ``details.amount``) transactions effective by
then, so the report of a past date is the one that date would have printed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection, select

from models.codes import Aging, OrderStatus, TransactionKind
from models.responses import CommuneBalance
from models.treasury import (
    UNNAMED,
    FinancierUse,
    OrderTotals,
    PaymentOrder,
    PaymentOrders,
    SourcesUses,
    WindowSources,
)
from pac_grants.ledger import reading, views
from pac_grants.ledger.errors import NotFound
from pac_grants.ledger.reading import TX
from pac_grants.ledger.state import OrderRow, StateView
from pac_grants.rules.payment import pro_rata

Connect = Callable[[], Connection]


class TreasuryView:
    """``reader.treasury.orders(...)`` and ``reader.treasury.sources_uses(cycle)``."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def orders(self, cycle: int | None = None, commune: str | None = None,
               status: OrderStatus | None = None, as_of: date | None = None) -> PaymentOrders:
        """Orders issued by ``as_of`` (default today), oldest due first per commune;
        :class:`NotFound` for a cycle never opened or a commune never registered."""
        connection, when = self._connect(), as_of or date.today()
        state = StateView(self._connect)
        _require(state, connection, cycle, commune)
        rows = [o for o in state.orders(cycle, commune) if o.issued_on <= when]
        paid, cancelled = _settlements(connection, cycle, when)
        names = views.commune_names(connection, sorted({o.commune_code for o in rows}))
        listed = [_order(o, paid[o.order_id], cancelled[o.order_id], when,
                         names.get(o.commune_code, (None, None))) for o in rows]
        if status is not None:
            listed = [o for o in listed if o.status == status]
        return PaymentOrders(as_of=when, orders=listed, aging=_aging(listed),
                             totals=_totals(listed))

    def sources_uses(self, cycle: int) -> SourcesUses:
        """Per window and source: commitment, pro-rata allocated, ordered, paid."""
        connection = self._connect()
        views.require_cycle(connection, cycle)
        funding = reading.account_balances(connection, cycle, ("funding",))
        moves = reading.pool_movements(connection, cycle)
        communes = views.balances(connection, cycle)
        windows = [_window(cycle, w, funding, moves.get(w, {}), communes)
                   for w in reading.windows(connection, cycle)]
        return SourcesUses(cycle=cycle, financiers=_per_source(windows), windows=windows)


def _require(state: StateView, connection: Connection, cycle: int | None,
             commune: str | None) -> None:
    if cycle is not None and state.cycle(cycle) is None:
        known = ", ".join(str(c.cycle) for c in state.cycles()) or "none"
        raise NotFound(f"cycle {cycle} was never opened (cycles: {known})")
    if commune is not None and not views.commune_names(connection, [commune]):
        raise NotFound(f"commune {commune} is not registered")


def _settlements(connection: Connection, cycle: int | None, as_of: date
                 ) -> tuple[defaultdict[str, int], defaultdict[str, int]]:
    """order id -> centimes paid, and cancelled, by transactions effective by ``as_of``."""
    paid: defaultdict[str, int] = defaultdict(int)
    cancelled: defaultdict[str, int] = defaultdict(int)
    query = select(TX.c.kind, TX.c.details).where(
        TX.c.kind.in_((TransactionKind.DISBURSEMENT, TransactionKind.ORDER_CANCEL)),
        TX.c.effective_date <= as_of)
    if cycle is not None:
        query = query.where(TX.c.cycle == cycle)
    for kind, details in connection.execute(query):
        if kind == TransactionKind.ORDER_CANCEL:
            cancelled[str(details["order_id"])] += int(details["amount"])
        else:
            for order_id, part in (details.get("orders") or {}).items():
                paid[str(order_id)] += int(part)
    return paid, cancelled


def status_of(amount: int, paid: int, cancelled: int, due_on: date, as_of: date
              ) -> tuple[OrderStatus, int]:
    """docs/rules.md s8.1: the status and days overdue of an order as of a date. An order
    is ``cancelled`` only when all of it is; one paid for its uncancelled rest is paid."""
    unpaid = amount - paid - cancelled
    if unpaid <= 0:
        return (OrderStatus.PAID if paid else OrderStatus.CANCELLED), 0
    if as_of > due_on:
        return OrderStatus.OVERDUE, (as_of - due_on).days
    return (OrderStatus.PARTLY_PAID if paid else OrderStatus.OPEN), 0


def _order(row: OrderRow, paid: int, cancelled: int, as_of: date,
           names: tuple[str | None, str | None]) -> PaymentOrder:
    status, late = status_of(row.amount, paid, cancelled, row.due_on, as_of)
    return PaymentOrder(
        order_id=row.order_id, cycle=row.cycle, commune_code=row.commune_code,
        name_fr=names[0], name_ar=names[1], tranche=row.tranche, approval=row.approval,
        issued_on=row.issued_on, due_on=row.due_on, gross=row.gross, offset=row.offset,
        amount=row.amount, cancelled=cancelled, paid=paid,
        unpaid=row.amount - paid - cancelled, status=status, days_overdue=late)


def _aging(orders: list[PaymentOrder]) -> dict[Aging, int]:
    buckets = dict.fromkeys(Aging, 0)
    for order in orders:
        if order.unpaid > 0:
            buckets[Aging.of(order.days_overdue)] += order.unpaid
    return buckets


def _totals(orders: list[PaymentOrder]) -> OrderTotals:
    return OrderTotals(
        orders=len(orders), amount=sum(o.amount for o in orders),
        cancelled=sum(o.cancelled for o in orders), paid=sum(o.paid for o in orders),
        unpaid=sum(o.unpaid for o in orders),
        overdue=sum(o.unpaid for o in orders if o.status == OrderStatus.OVERDUE))


def _window(cycle: int, window: str, funding: dict[str, int], moves: dict[str, int],
            communes: list[CommuneBalance]) -> WindowSources:
    """docs/rules.md s8.4: each source's commitment, and allocated, ordered and paid
    shared pro rata of the commitments, largest remainder to the centime (ties by name)."""
    committed = _commitments(cycle, window, funding, moves)
    mine = [c for c in communes if c.window == window]
    allocated, ordered = moves.get("allocated", 0), sum(c.ordered for c in mine)
    paid = sum(c.paid for c in mine)
    weights = sorted(committed.items())
    shares = {use: pro_rata(total, weights) for use, total in
              (("allocated", allocated), ("ordered", ordered), ("paid", paid))}
    financiers = [FinancierUse(
        financier=name, committed=amount, allocated=shares["allocated"][name],
        ordered=shares["ordered"][name], paid=shares["paid"][name],
        unallocated=amount - shares["allocated"][name]) for name, amount in weights]
    return WindowSources(window=window, pool=sum(committed.values()), allocated=allocated,
                         ordered=ordered, paid=paid, carried_over=moves.get("carried_out", 0),
                         financiers=financiers)


def _commitments(cycle: int, window: str, funding: dict[str, int],
                 moves: dict[str, int]) -> dict[str, int]:
    """source -> centimes committed: each financier's funding account (minus its
    balance), the window's unnamed funding, and what the cycle before carried in."""
    found: dict[str, int] = {}
    for name, balance in funding.items():
        parts = name.split(":")
        if parts[2] == window and -balance:
            source = parts[3] if len(parts) > 3 else UNNAMED
            found[source] = found.get(source, 0) - balance
    if moves.get("carried_in"):
        found[f"carry_over:{cycle - 1}"] = moves["carried_in"]
    return found


def _per_source(windows: list[WindowSources]) -> list[FinancierUse]:
    """Each source over every window (sums of the per-window shares)."""
    totals: dict[str, dict[str, int]] = {}
    for window in windows:
        for f in window.financiers:
            mine = totals.setdefault(f.financier, defaultdict(int))
            for use in ("committed", "allocated", "ordered", "paid", "unallocated"):
                mine[use] += getattr(f, use)
    return [FinancierUse(financier=name, **uses) for name, uses in sorted(totals.items())]
