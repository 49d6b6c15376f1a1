"""The ledger against the independent treasury replay (scenario_treasury), to the centime.

What a ledger filled by the pipeline holds, read with plain SQL and the pipeline
state's order rows: every account's balance (funding per financier, pools, payable,
ordered, paid, receivable of every commune and cycle), every transaction (kind, cycle,
effective date, postings: envelopes, allocations, adjustments, orders, cancellations,
payments, recoveries, offsets, carry-overs), every payment order; and the events of
``pac.payment-orders.v1``. Used by the batch-handler test of the sample program
(test_scenario_pipeline) and by the end-to-end and fault tests on the real services.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from models.ledger import POSTINGS, TRANSACTIONS
from pac_grants.ledger import Ledger
from tests.unit.scenario_orders import Posted
from tests.unit.scenario_treasury import Money

ENVELOPE = {"event_id", "event_type", "schema_version", "occurred_at", "source"}


def accounts(ledger: Ledger) -> dict[str, int]:
    """Every account whose balance is not zero."""
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(POSTINGS.c.account, func.sum(POSTINGS.c.amount))
                            .group_by(POSTINGS.c.account)).all()
    return {str(a): int(b) for a, b in rows if int(b)}


def transactions(ledger: Ledger) -> Counter[Posted]:
    """Every transaction as the replay writes one (its zero postings left out)."""
    t, p = TRANSACTIONS.c, POSTINGS.c
    query = (select(t.id, t.kind, t.cycle, t.effective_date, p.account, p.amount)
             .join(POSTINGS, p.transaction_id == t.id))
    found: dict[str, tuple[str, int, Any, list[tuple[str, int]]]] = {}
    with ledger.engine.connect() as conn:
        for key, kind, cycle, on, account, amount in conn.execute(query):
            entry = found.setdefault(str(key), (str(kind), int(cycle), on, []))
            if int(amount):
                entry[3].append((str(account), int(amount)))
    return Counter(Posted(kind, cycle, on, tuple(sorted(postings)))
                   for kind, cycle, on, postings in found.values())


def orders(ledger: Ledger) -> dict[str, tuple[Any, ...]]:
    with ledger.reader() as reader:
        rows = reader.state.orders()
    return {o.order_id: (o.cycle, o.commune_code, o.tranche, o.approval, o.issued_on,
                         o.due_on, o.gross, o.offset, o.amount, o.cancelled, o.paid)
            for o in rows}


def expected_orders(money: Money) -> dict[str, tuple[Any, ...]]:
    return {o.order_id: (o.cycle, o.code, o.tranche, o.approval, o.issued_on, o.due_on,
                         o.gross, o.offset, o.amount, o.cancelled, o.paid)
            for o in money.orders.values()}


def assert_ledger_is(ledger: Ledger, money: Money) -> None:
    """Balances, transactions and orders equal the replay's, to the centime."""
    held = accounts(ledger)
    want = {a: b for a, b in money.balances.items() if b}
    assert held == want, _difference(held, want)
    got, expected = transactions(ledger), Counter(_nonzero(p) for p in money.posted)
    assert got == expected, (list((got - expected).items())[:5],
                             list((expected - got).items())[:5])
    assert orders(ledger) == expected_orders(money)


def order_events(records: Iterable[bytes]) -> Counter[str]:
    """Payment-order events (values of ``pac.payment-orders.v1``), envelope removed, as
    JSON text; each event id counted once (outputs are published at least once)."""
    seen, out = set(), Counter[str]()
    for raw in records:
        event = json.loads(raw)
        if event["event_id"] not in seen:
            seen.add(event["event_id"])
            out[_content(event)] += 1
    return out


def expected_order_events(money: Money) -> Counter[str]:
    return Counter(_content(e) for e in money.published)


def _content(event: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in event.items() if k not in ENVELOPE}, sort_keys=True)


def _nonzero(posted: Posted) -> Posted:
    return Posted(posted.kind, posted.cycle, posted.on,
                  tuple(p for p in posted.postings if p[1]))


def _difference(held: dict[str, int], want: dict[str, int]) -> list[tuple[str, int, int]]:
    return [(a, held.get(a, 0), want.get(a, 0)) for a in sorted(set(held) | set(want))
            if held.get(a, 0) != want.get(a, 0)][:10]
