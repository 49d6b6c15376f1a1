"""The treasury reads (docs/cli.md s3.4, s3.6): payment orders as of a date with status,
days overdue and aging; sources and uses per financier, pro rata to the centime. Through
the ledger's reader, the command line, the API and the metrics, on a ledger the batch
handler filled.

Cycle 2021's ruleset pays in two tranches (half 30 days, half 210 days after approval).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from models.codes import Aging, OrderStatus
from pac_grants.api import create_app
from pac_grants.cli.ledger import ledger as ledger_cli
from pac_grants.health import report_treasury
from pac_grants.ledger import Ledger, NotFound
from pac_grants.ledger.treasury import status_of
from pac_grants.metrics import Metrics
from pac_grants.observer import Observer
from tests.unit.api_fixtures import AUTH, settings
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, fresh, paid

A, B, C = "09.001.01.01", "09.001.01.02", "09.001.01.03"
FINANCIERS = {"world_bank": 6_000_001, "afd": 2_999_999, "state": 1_000_000}
APPROVED = date(2022, 6, 30)  # T1 due 2022-07-30, T2 due 2023-01-26


def pay(code: str, amount: str, ref: str, on: str, order: str | None = None) -> dict[str, Any]:
    extra = {"order_id": order} if order else {}
    return paid(code, amount, ref) | {"paid_on": on} | extra


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[Feed]:
    feed = Feed(f"sqlite:///{tmp_path / 'ledger.db'}")
    feed.send("communes", commune(A), commune(B, 200_000), commune(C, 150_000))
    pools = {"standard": {"total": sum(FINANCIERS.values()), "financiers": FINANCIERS}}
    feed.send("cycles", cycle_event("CycleOpened", cycle=2021, ruleset_id="papc-2021",
                                    pools=pools))
    feed.send("assessments", assessment(A), assessment(B), assessment(C))
    feed.send("cycles", cycle_event("ResultsNotified", cycle=2021, notified_on="2022-04-15",
                                    complaint_deadline="2022-05-15"))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-06-30"))
    feed.send("disbursements",
              pay(A, "1000.00", "P-1", "2022-07-15", f"2021-{A}-T1"),
              pay(B, "1000.00", "P-2", "2022-08-10"))
    assert feed.rejected == []
    yield feed
    feed.ledger.dispose()


def by_id(feed: Feed, as_of: date, **filters: Any) -> dict[str, Any]:
    found = feed.ledger.orders(as_of=as_of, **filters)
    return {o.order_id: o for o in found.orders}


def test_two_tranches_per_commune_summing_to_the_grant(feed: Feed) -> None:
    found = feed.ledger.orders(cycle=2021, as_of=date(2022, 7, 1))
    grants = {b.code: b.allocated for b in feed.ledger.balances(2021)}
    assert {o.commune_code for o in found.orders} == set(grants)
    for code, grant in grants.items():
        mine = [o for o in found.orders if o.commune_code == code]
        assert [o.tranche for o in mine] == ["T1", "T2"]
        assert sum(o.amount for o in mine) == grant
        assert [o.due_on for o in mine] == [date(2022, 7, 30), date(2023, 1, 26)]
    assert found.totals.orders == 6 and found.totals.amount == sum(grants.values())


def test_status_follows_the_payments_effective_by_the_date(feed: Feed) -> None:
    a1, b1, c1 = f"2021-{A}-T1", f"2021-{B}-T1", f"2021-{C}-T1"
    before = by_id(feed, date(2022, 7, 1))
    assert {before[x].status for x in (a1, b1, c1)} == {OrderStatus.OPEN}
    assert before[a1].paid == 0  # the payment of 2022-07-15 is not effective yet
    middle = by_id(feed, date(2022, 8, 10))
    assert middle[a1].paid == 100_000 and middle[a1].status == OrderStatus.OVERDUE
    assert middle[b1].paid == 100_000  # no order named: the oldest due, T1
    assert (middle[c1].status, middle[c1].days_overdue) == (OrderStatus.OVERDUE, 11)
    assert middle[f"2021-{C}-T2"].status == OrderStatus.OPEN
    assert middle[f"2021-{C}-T2"].days_overdue == 0
    assert by_id(feed, date(2022, 6, 29)) == {}  # nothing issued before the approval


def test_partly_paid_before_its_due_date() -> None:
    assert status_of(1000, 400, 0, date(2022, 7, 30), date(2022, 7, 1)) == (
        OrderStatus.PARTLY_PAID, 0)
    assert status_of(1000, 400, 0, date(2022, 7, 30), date(2022, 7, 30)) == (
        OrderStatus.PARTLY_PAID, 0)  # due that day: not overdue yet
    assert status_of(1000, 400, 0, date(2022, 7, 30), date(2022, 7, 31)) == (
        OrderStatus.OVERDUE, 1)
    assert status_of(1000, 0, 1000, date(2022, 7, 30), date(2023, 1, 1)) == (
        OrderStatus.CANCELLED, 0)
    assert status_of(1000, 600, 400, date(2022, 7, 30), date(2023, 1, 1)) == (
        OrderStatus.PAID, 0)  # cancelled only when all of it is
    assert status_of(1000, 0, 400, date(2022, 7, 30), date(2022, 7, 1)) == (
        OrderStatus.OPEN, 0)


def test_aging_sums_the_unpaid_rest_by_days_overdue(feed: Feed) -> None:
    for as_of, bucket_t1, bucket_t2 in ((date(2022, 7, 30), Aging.NOT_DUE, Aging.NOT_DUE),
                                        (date(2022, 8, 29), Aging.DAYS_0_30, Aging.NOT_DUE),
                                        (date(2022, 8, 30), Aging.DAYS_31_90, Aging.NOT_DUE),
                                        (date(2022, 10, 29), Aging.OVER_90, Aging.NOT_DUE),
                                        (date(2023, 4, 1), Aging.OVER_90, Aging.DAYS_31_90)):
        found = feed.ledger.orders(as_of=as_of)
        expected = dict.fromkeys(Aging, 0)
        for order in found.orders:
            expected[bucket_t1 if order.tranche == "T1" else bucket_t2] += order.unpaid
        assert found.aging == expected, as_of
        assert sum(found.aging.values()) == found.totals.unpaid
        assert found.totals.paid == (100_000 if as_of < date(2022, 8, 10) else 200_000)


def test_today_equals_the_running_totals_of_the_orders(feed: Feed) -> None:
    """Two records of the same money: the ledger's transactions and the orders' totals."""
    with feed.ledger.reader() as reader:
        rows = {o.order_id: o for o in reader.state.orders()}
        listed = reader.treasury.orders()
    assert listed.as_of == date.today()
    for order in listed.orders:
        assert (order.paid, order.cancelled) == (rows[order.order_id].paid,
                                                 rows[order.order_id].cancelled)
    paid_accounts = sum(b.paid for b in feed.ledger.balances(2021))
    assert listed.totals.paid == paid_accounts


def test_filters_and_unknown_names(feed: Feed) -> None:
    overdue = feed.ledger.orders(status=OrderStatus.OVERDUE, as_of=date(2022, 9, 1))
    assert {o.tranche for o in overdue.orders} == {"T1"} and len(overdue.orders) == 3
    assert overdue.totals.overdue == overdue.totals.unpaid
    mine = feed.ledger.orders(commune=B, cycle=2021)
    assert {o.commune_code for o in mine.orders} == {B}
    with pytest.raises(NotFound, match="cycle 1999 was never opened"):
        feed.ledger.orders(cycle=1999)
    with pytest.raises(NotFound, match=r"commune 99\.999\.99\.99 is not registered"):
        feed.ledger.orders(commune="99.999.99.99")


def test_sources_and_uses_pro_rata_to_the_centime(feed: Feed) -> None:
    report = feed.ledger.sources_uses(2021)
    [window] = report.windows
    committed = {f.financier: f.committed for f in window.financiers}
    assert committed == {name: mad * 100 for name, mad in FINANCIERS.items()}
    balances = feed.ledger.balances(2021)
    totals = {"allocated": sum(b.allocated for b in balances),
              "ordered": sum(b.ordered for b in balances),
              "paid": sum(b.paid for b in balances)}
    assert totals["paid"] == 200_000 and totals["ordered"] > 0
    weight = sum(committed.values())
    for use, total in totals.items():
        shares = {f.financier: getattr(f, use) for f in window.financiers}
        assert sum(shares.values()) == total == getattr(window, use)
        for name, share in shares.items():  # floor or ceiling of the exact share
            exact = Fraction(total * committed[name], weight)
            assert exact - 1 < share < exact + 1, (use, name)
    for f in window.financiers:
        assert f.unallocated == f.committed - f.allocated
    assert report.financiers == window.financiers  # one window: the totals are its own


def test_sources_uses_of_a_cycle_without_transactions_is_not_found(feed: Feed) -> None:
    with pytest.raises(NotFound):
        feed.ledger.sources_uses(2030)


def cli(feed: Feed, *args: str) -> Any:
    url = feed.ledger.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(ledger_cli, [*args, "--database-url", url])
    return result


def test_the_command_line_prints_json_csv_and_tables(feed: Feed) -> None:
    done = cli(feed, "orders", "--as-of", "2022-09-01", "--format", "json")
    assert done.exit_code == 0, done.output
    printed = json.loads(done.output)
    assert printed["as_of"] == "2022-09-01" and len(printed["orders"]) == 6
    assert printed["aging"]["31-90"] == printed["totals"]["overdue"]
    rows = list(csv.DictReader(io.StringIO(cli(feed, "orders", "--format", "csv",
                                               "--status", "paid").output)))
    assert rows == []  # nothing is paid in full yet
    table = cli(feed, "orders", "--format", "table", "--lang", "ar", "--as-of", "2022-09-01")
    assert "متأخر" in table.output and "أعمار المبالغ الباقية للأداء" in table.output
    sources = cli(feed, "sources-uses", "--cycle", "2021", "--format", "csv").output
    lines = list(csv.reader(io.StringIO(sources)))
    assert lines[0] == ["cycle", "window", "financier", "committed", "allocated", "ordered",
                        "paid", "unallocated"]
    assert [line[2] for line in lines[1:]] == ["afd", "state", "world_bank"] * 2
    assert "Attribué au prorata" in cli(feed, "sources-uses", "--cycle", "2021",
                                       "--format", "table").output


def test_the_command_line_refuses_with_one_line_and_exit_2(feed: Feed) -> None:
    for args, said in ((("orders", "--cycle", "1999"), "cycle 1999 was never opened"),
                       (("orders", "--as-of", "2022-13-01"), "--as-of"),
                       (("orders", "--status", "late"), "--status"),
                       (("sources-uses",), "--cycle")):
        done = cli(feed, *args)
        assert done.exit_code == 2 and said in done.output, (args, done.output)
        assert "Traceback" not in done.output


def test_the_api_returns_the_same_models(feed: Feed) -> None:
    url = feed.ledger.engine.url.render_as_string(hide_password=False)
    client = TestClient(create_app(settings(url), feed.ledger))
    got = client.get("/api/v1/orders?as_of=2022-09-01&cycle=2021", headers=AUTH)
    assert got.status_code == 200, got.text
    assert got.json() == feed.ledger.orders(cycle=2021, as_of=date(2022, 9, 1)).model_dump(
        mode="json")
    got = client.get("/api/v1/cycles/2021/sources-uses", headers=AUTH)
    assert got.json() == feed.ledger.sources_uses(2021).model_dump(mode="json")
    for path, status in (("/api/v1/orders?cycle=1999", 404), ("/api/v1/orders?status=x", 422),
                         ("/api/v1/orders?as_of=0", 422), ("/api/v1/orders?commune=a;b", 422),
                         ("/api/v1/cycles/1999/sources-uses", 404)):
        assert client.get(path, headers=AUTH).status_code == status, path
    assert client.get("/api/v1/orders").status_code == 401


def test_carried_money_and_unnamed_pools_are_their_own_sources(tmp_path: Path) -> None:
    """A pool without financiers is one source, ``unnamed``; nothing carried in 2021."""
    feed = Feed(f"sqlite:///{tmp_path / 'plain.db'}")
    feed.send("communes", commune(A))
    feed.send("cycles", fresh(cycle_event("CycleOpened", cycle=2021, ruleset_id="papc-2021",
                                          pools={"standard": 1_000_000})))
    report = feed.ledger.sources_uses(2021)
    assert [f.financier for f in report.financiers] == ["unnamed"]
    assert report.financiers[0].committed == 100_000_000
    assert report.financiers[0].allocated == 0  # not approved: nothing allocated yet
    feed.ledger.dispose()


def test_the_treasury_gauges_per_cycle(feed: Feed) -> None:
    observer = Observer(Metrics.create())
    assert report_treasury(feed.ledger, observer, today=date(2022, 9, 1)) == 1
    value = observer.metrics.registry.get_sample_value
    orders = feed.ledger.orders(as_of=date(2022, 9, 1))
    assert value("pac_paid_mad", {"cycle": "2021"}) == 2000.0
    assert value("pac_overdue_mad", {"cycle": "2021"}) == orders.totals.overdue / 100 > 0
    assert value("pac_ordered_mad", {"cycle": "2021"}) == orders.totals.unpaid / 100
    assert value("pac_to_recover_mad", {"cycle": "2021"}) == 0.0
    report_treasury(feed.ledger, observer, today=date(2022, 7, 1))
    assert value("pac_overdue_mad", {"cycle": "2021"}) == 0.0  # nothing due yet


def test_an_unreadable_ledger_leaves_the_treasury_gauges(tmp_path: Path) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'missing' / 'ledger.db'}")
    observer = Observer(Metrics.create())
    try:
        assert report_treasury(ledger, observer) == 0
    finally:
        ledger.dispose()
    assert observer.metrics.registry.get_sample_value("pac_paid_mad", {"cycle": "2021"}) is None
