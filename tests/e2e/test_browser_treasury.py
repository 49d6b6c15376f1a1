"""The finance page's treasury view in headless Chromium (issue 11): the cycle's payment
orders as of a date (count, amounts, unpaid, status, days overdue; aging and totals), a
status filter and the orders workbook, then the sources and uses per financier with the
command line's source labels; equal to ``/api/v1/orders`` and
``/api/v1/cycles/{cycle}/sources-uses`` in French and in Arabic (right to left), every
request on 127.0.0.1 (tests/e2e/views_support.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page

from pac_grants import display, money
from pac_grants.i18n import Lang, text
from pac_grants.treasury_tables import source_label
from tests.e2e.browser_support import CYCLE, Recorder, downloaded, screenshot, sign_in
from tests.e2e.views_support import LANGS, api, cells, keyed, open_tab, views_server
from tests.integration.api_support import ApiServer

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> Iterator[ApiServer]:
    yield from views_server(tmp_path_factory, broker_url)


AMOUNTS = ("amount", "cancelled", "paid", "unpaid")


def check_orders(page: Page, lang: Lang, found: dict[str, Any]) -> None:
    rows = page.eval_on_selector_all("#orders tbody tr[data-order]", """rows => rows.map(r => ({
        id: r.dataset.order, cells: [...r.cells].map(c => c.textContent),
        amounts: [...r.querySelectorAll('td[data-amount]')].map(c => c.dataset.amount)}))""")
    expected = {o["order_id"]: o for o in found["orders"]}
    assert [r["id"] for r in rows] == sorted(expected)  # by order id, as the page sorts
    for row in rows:
        order = expected[row["id"]]
        assert row["amounts"] == [order[k] for k in AMOUNTS], row["id"]
        assert row["cells"][7] == display.money(money.parse(order["unpaid"]), lang, currency=False)
        assert row["cells"][8:] == [text(lang, f"order.{order['status']}"),
                                    display.number(order["days_overdue"], lang)]
    totals, aging = found["totals"], found["aging"]
    unpaid = sum(money.parse(r["amounts"][3]) for r in rows)
    assert unpaid == money.parse(totals["unpaid"]) == sum(money.parse(v) for v in aging.values())
    assert keyed(page, "#aging tbody tr", "bucket") == {
        b: [text(lang, f"aging.{b}"), display.money(money.parse(v), lang, currency=False)]
        for b, v in aging.items()}
    shown = {k: v[1] for k, v in keyed(page, "#order-totals tr", "key").items()}
    assert shown.pop("orders") == display.number(totals["orders"], lang) == \
        display.number(len(rows), lang)
    assert shown == {k: display.money(money.parse(totals[k]), lang, currency=False)
                     for k in (*AMOUNTS, "overdue")}
    assert found["as_of"] in page.inner_text("#orders-title")


def check_sources(page: Page, lang: Lang, report: dict[str, Any]) -> None:
    def amounts(use: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
        return [display.money(money.parse(use[k]), lang, currency=False) for k in keys]

    uses = ("committed", "allocated", "ordered", "paid", "unallocated")
    expected = [[w["window"], source_label(f["financier"], lang), *amounts(f, uses)]
                for w in report["windows"] for f in w["financiers"]]
    if len(report["windows"]) > 1:
        expected += [[text(lang, "treasury.all_windows"), source_label(f["financier"], lang),
                      *amounts(f, uses)] for f in report["financiers"]]
    assert cells(page, "#sources tbody tr") == expected and expected
    assert cells(page, "#windows-uses tbody tr") == [
        [w["window"], *amounts(w, ("pool", "allocated", "ordered", "paid", "carried_over"))]
        for w in report["windows"]]
    assert text(lang, "treasury.basis") in page.inner_text("#tab-treasury")


def test_the_payment_orders_as_of_a_date_and_the_sources(
        browser: tuple[BrowserContext, Recorder], server: ApiServer) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    dues = sorted(o["due_on"] for o in api(server, f"/orders?cycle={CYCLE}")["orders"])
    assert dues, "the sample program orders payments"
    as_of = (date.fromisoformat(dues[0]) + timedelta(days=45)).isoformat()  # some overdue
    found = api(server, f"/orders?cycle={CYCLE}&as_of={as_of}")
    report = api(server, f"/cycles/{CYCLE}/sources-uses")
    sign_in(page, server.base)
    open_tab(page, "treasury", CYCLE)
    today = date.today()
    assert page.input_value("#as-of") in {(today + timedelta(days=d)).isoformat()
                                          for d in (-1, 0, 1)}
    page.fill("#as-of", as_of)
    page.wait_for_selector(f"#tab-treasury[data-cycle='{CYCLE}'][data-as-of='{as_of}']")
    page.locator("#as-of").blur()
    for lang in LANGS:
        if lang == "ar":
            page.click("#lang-switch")
        check_orders(page, lang, found)
        check_sources(page, lang, report)
        screenshot(page, f"treasury-{lang}")
    name, body = downloaded(page, "#orders-xlsx")
    assert name == f"pac-orders-{CYCLE}-{as_of}.xlsx"
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    assert sheet.sheet_view.rightToLeft  # the page is in Arabic now
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(
        o["order_id"] for o in found["orders"])
    page.select_option("#order-status", "overdue")
    page.wait_for_selector(f"#tab-treasury[data-cycle='{CYCLE}'][data-status='overdue']")
    check_orders(page, "ar", api(server, f"/orders?cycle={CYCLE}&as_of={as_of}&status=overdue"))
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 portrait, 10 mm margins
    boxes = page.eval_on_selector_all(
        "#tab-treasury td.num", "cells => cells.map(c => { const b = c.getBoundingClientRect();"
        " return [b.left, b.right, c.scrollWidth <= c.clientWidth + 1]; })")
    assert boxes and all(left >= 0 and right <= 718.5 and whole for left, right, whole in boxes)
    assert recorder.foreign() == [] and recorder.errors == []
