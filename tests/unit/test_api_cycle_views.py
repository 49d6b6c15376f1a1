"""The routes the finance page's lifecycle and treasury views added (issues 10, 11):
``/cycles/{cycle}/lifecycle`` (the dates and decisions of a cycle) and the orders as a
spreadsheet (``/orders.xlsx``, ``/orders.csv``), equal to the ledger's own reads, on a
ledger the pipeline's batch handler filled.

Cycle 2021 pays in two tranches (half 30 days, half 210 days after approval): approved
on 2022-06-30, reopened by decision D-7 on 2022-09-01, approved again on 2022-09-30.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from pac_grants import money
from pac_grants.api import create_app
from tests.unit.api_fixtures import AUTH, client_for, settings
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, opened, paid

A, B = "09.001.01.01", "09.001.01.02"
REASON = "late appeal REC-9 of B"


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[tuple[Feed, TestClient]]:
    feed = Feed(f"sqlite:///{tmp_path / 'ledger.db'}")
    feed.send("communes", commune(A), commune(B, 200_000))
    feed.send("cycles", opened(10_000_000))
    feed.send("assessments", assessment(A), assessment(B))
    feed.send("cycles", cycle_event("ResultsNotified", cycle=2021, notified_on="2022-04-15",
                                    complaint_deadline="2022-05-15"))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-06-30",
                                    decision_ref="D-1", approved_by="Comité"))
    feed.send("disbursements", paid(A, "1000.00", "P-1") | {"paid_on": "2022-07-15"})
    feed.send("cycles", cycle_event("CycleReopened", cycle=2021, reopened_on="2022-09-01",
                                    decision_ref="D-7", reason=REASON))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-09-30",
                                    decision_ref="D-8"))
    assert feed.rejected == []
    url = feed.ledger.engine.url.render_as_string(hide_password=False)
    yield feed, TestClient(create_app(settings(url), feed.ledger))
    feed.ledger.dispose()


def test_the_lifecycle_of_a_reopened_cycle(fed: tuple[Feed, TestClient]) -> None:
    _, client = fed
    got = client.get("/api/v1/cycles/2021/lifecycle", headers=AUTH)
    assert got.status_code == 200, got.text
    assert got.json() == {
        "cycle": 2021, "state": "approved", "ruleset_id": "papc-2021",
        "opened_on": got.json()["opened_on"], "notified_on": "2022-04-15",
        "complaint_deadline": "2022-05-15", "approvals": 2, "first_closed_on": "2022-06-30",
        "closed_on": "2022-09-30", "decision_ref": "D-8", "approved_by": None,
        "reopened_on": "2022-09-01", "reopen_ref": "D-7", "reopen_reason": REASON}
    for path, status in (("/api/v1/cycles/1999/lifecycle", 404),
                         ("/api/v1/cycles/2021.0/lifecycle", 422)):
        assert client.get(path, headers=AUTH).status_code == status, path
    assert client.get("/api/v1/cycles/2021/lifecycle").status_code == 401


def test_a_ledger_without_the_pipelines_state(tmp_path: Path) -> None:
    """Written by another writer: the summary's state, no dates."""
    client, ledger = client_for(tmp_path)
    try:
        life = client.get("/api/v1/cycles/2021/lifecycle", headers=AUTH).json()
        assert (life["state"], life["approvals"], life["closed_on"]) == ("approved", 1, None)
        assert client.get("/api/v1/cycles/2022/lifecycle", headers=AUTH).json()["approvals"] == 0
    finally:
        ledger.dispose()


def orders_of(feed: Feed, as_of: date) -> list[dict[str, Any]]:
    found = feed.ledger.orders(cycle=2021, as_of=as_of)
    return [o.model_dump() for o in found.orders]


def test_the_orders_workbook_is_the_ledgers_orders(fed: tuple[Feed, TestClient]) -> None:
    feed, client = fed
    got = client.get("/api/v1/orders.xlsx?cycle=2021&as_of=2023-01-31&lang=ar", headers=AUTH)
    assert got.status_code == 200, got.text
    assert 'filename="pac-orders-2021-2023-01-31.xlsx"' in got.headers["content-disposition"]
    book = load_workbook(io.BytesIO(got.content))
    orders, aging = book.worksheets
    assert orders.sheet_view.rightToLeft and orders.title == "أوامر الصرف"
    header, *rows = list(orders.iter_rows(values_only=True))
    assert header[0] == "الأمر بالصرف" and header[11] == "الحالة"
    expected = orders_of(feed, date(2023, 1, 31))
    assert [r[0] for r in rows] == [o["order_id"] for o in expected] and len(rows) >= 4
    for row, order in zip(rows, expected, strict=True):
        assert [cents(v) for v in row[7:11]] == [order[k] for k in
                                                 ("amount", "cancelled", "paid", "unpaid")]
        assert row[6].date() == order["due_on"] and row[12] == order["days_overdue"]
        assert row[11] == {"paid": "مؤدى", "overdue": "متأخر", "partly_paid": "مؤدى جزئيا",
                           "open": "مفتوح", "cancelled": "ملغى"}[order["status"]]
    found = feed.ledger.orders(cycle=2021, as_of=date(2023, 1, 31))
    buckets = list(aging.iter_rows(min_row=2, values_only=True))
    assert [cents(v) for _, v in buckets] == list(found.aging.values())


def test_the_orders_csv_follows_the_filters(fed: tuple[Feed, TestClient]) -> None:
    feed, client = fed
    got = client.get("/api/v1/orders.csv?cycle=2021&as_of=2022-08-01&status=overdue"
                     "&delimiter=semicolon", headers=AUTH)
    assert got.status_code == 200, got.text
    text = got.content.decode("utf-8")
    assert text.startswith("\ufeffOrdre;Cycle;Code;Commune;")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))[1:]
    expected = [o for o in orders_of(feed, date(2022, 8, 1)) if o["status"] == "overdue"]
    assert [r[0] for r in rows] == [o["order_id"] for o in expected] and rows
    assert [money.parse(r[10].replace(",", ".")) for r in rows] == [o["unpaid"] for o in expected]
    assert {r[11] for r in rows} == {"en retard"}
    for path in ("/api/v1/orders.csv?status=late", "/api/v1/orders.xlsx?as_of=0",
                 "/api/v1/orders.xlsx?lang=en"):
        assert client.get(path, headers=AUTH).status_code == 422, path
    assert client.get("/api/v1/orders.csv?cycle=1999", headers=AUTH).status_code == 404
    assert client.get("/api/v1/orders.xlsx").status_code == 401


def cents(value: Any) -> int:
    """A numeric cell as centimes, exactly."""
    assert isinstance(value, int | float), value
    return money.parse(str(Decimal(str(value)).quantize(Decimal("0.01"))))
