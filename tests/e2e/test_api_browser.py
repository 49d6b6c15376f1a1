"""The finance page in headless Chromium (Debian's ``chromium``, driven by Playwright's
Python package; no browser download), over ``pac-grants api`` on a ledger filled by the
real pipeline (``tests/integration/api_support.py``).

For the known scenario (the sample program, seed ``api_support.SEED``) the table's
amounts must equal the ledger's, the CSV download must be the ledger's export, and every
request the page makes must stay on 127.0.0.1 (issue 7: no network beyond the service).
Set ``PAC_SCREENSHOT=path.png`` to keep a screenshot (docs/screenshot.png is made so).
"""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from pac_grants import money
from pac_grants.ledger import Ledger
from tests.integration.api_support import TOKEN, ApiServer, pipeline_ledger

pytestmark = pytest.mark.integration
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CYCLE = 2021
THIN = "\u202f"  # the page's thousands separator


@pytest.fixture(scope="module")
def ledger_url(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> str:
    return pipeline_ledger(tmp_path_factory.getbasetemp() / "api-pipeline", broker_url)


@pytest.fixture(scope="module")
def server(ledger_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    running = ApiServer(ledger_url, tmp_path_factory.mktemp("api") / "api.log")
    yield running
    assert running.stop() in (0, -signal.SIGTERM), running.log.read_text()


class Recorder:
    """Every request, console error and page error of the browser context."""

    def __init__(self, context: BrowserContext) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        context.on("request", lambda r: self.requests.append(r.url))
        context.on("weberror", lambda e: self.errors.append(str(e.error)))

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def foreign(self) -> list[str]:
        def local(url: str) -> bool:
            parts = urlsplit(url.removeprefix("blob:"))
            return parts.scheme == "data" or parts.hostname == "127.0.0.1"

        return [u for u in self.requests if not local(u)]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[BrowserContext, Recorder]]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing (scripts/bootstrap)"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=FLAGS, headless=True,
            accept_downloads=True, viewport={"width": 1400, "height": 900})
        try:
            yield context, Recorder(context)
        finally:
            context.close()


def table(page: Page) -> dict[str, dict[str, Any]]:
    """code -> the row's cells as the page shows them."""
    rows = page.eval_on_selector_all("#allocation tbody tr", """rows => rows.map(r => ({
        code: r.dataset.code, cells: [...r.cells].map(c => c.textContent),
        amounts: [...r.querySelectorAll('td[data-amount]')].map(c => c.dataset.amount)}))""")
    return {r["code"]: r for r in rows}


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/")
    assert page.locator("#allocation tbody tr").count() == 0
    page.fill("#token", TOKEN)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#allocation[data-cycle]")
    page.select_option("#cycle", str(CYCLE))
    page.wait_for_selector(f"#allocation[data-cycle='{CYCLE}']")


def test_the_table_shows_the_ledger_amounts(browser: tuple[BrowserContext, Recorder],
                                           server: ApiServer, ledger_url: str) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    sign_in(page, server.base)
    ledger = Ledger.from_url(ledger_url)
    try:
        allocated: dict[str, int] = {}
        for (_window, code), centimes in ledger.allocated(CYCLE).items():
            allocated[code] = allocated.get(code, 0) + centimes
        names = {b.code: (b.name_fr, b.name_ar) for b in ledger.balances(CYCLE)}
    finally:
        ledger.dispose()
    shown = table(page)
    assert len(shown) == 103
    for code, row in shown.items():
        amount, in_ledger = row["amounts"][0], row["amounts"][1]
        assert amount == in_ledger == money.text(allocated.get(code, 0)), code
        assert row["cells"][8].replace(THIN, "") == amount  # the text shown, separators off
        if code in names:
            assert (row["cells"][1], row["cells"][2]) == names[code]
    big = max(shown.values(), key=lambda r: int(r["amounts"][0].replace(".", "")))
    assert THIN in big["cells"][8]
    assert any(r["cells"][7] == "capped" for r in shown.values())
    assert any(r["cells"][6] != "eligible" for r in shown.values())
    assert page.locator("#chart svg rect").count() > 0
    if os.environ.get("PAC_SCREENSHOT"):
        page.screenshot(path=os.environ["PAC_SCREENSHOT"])
    assert recorder.foreign() == [] and recorder.errors == []


def test_sort_filter_statement_and_explanation(browser: tuple[BrowserContext, Recorder],
                                               server: ApiServer) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    sign_in(page, server.base)
    order = [int(r["amounts"][0].replace(".", "")) for r in table(page).values()]
    assert order == sorted(order, reverse=True)  # by amount, largest first
    page.click("#allocation th[data-key=amount]")
    order = [int(r["amounts"][0].replace(".", "")) for r in table(page).values()]
    assert order == sorted(order)
    page.fill("#filter", "الدار البيضاء")
    [code] = table(page)
    page.select_option("#eligibility", "no")
    assert all(r["cells"][6] != "eligible" for r in table(page).values())
    page.select_option("#eligibility", "")
    page.click(f"a.commune[data-code='{code}']")
    page.wait_for_selector("#statement table")
    assert "الدار البيضاء" in page.inner_text("#detail-title")
    assert page.inner_text("#detail-summary").startswith(("Eligible", "Not eligible"))
    assert page.locator("#statement tbody tr").count() >= 1
    assert recorder.foreign() == [] and recorder.errors == []


def test_the_csv_download_is_the_ledger_export(browser: tuple[BrowserContext, Recorder],
                                              server: ApiServer, ledger_url: str) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    sign_in(page, server.base)
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == f"pac-ledger-{CYCLE}.csv"
    got = Path(download.path()).read_text(encoding="utf-8")
    expected = io.StringIO()
    ledger = Ledger.from_url(ledger_url)
    try:
        ledger.export(expected, "csv", cycle=CYCLE)
    finally:
        ledger.dispose()
    assert got == expected.getvalue()
    assert recorder.foreign() == [] and recorder.errors == []
    assert any(u.endswith(f"/api/v1/cycles/{CYCLE}/export.csv") for u in recorder.requests)


def test_no_data_without_the_token(browser: tuple[BrowserContext, Recorder],
                                   server: ApiServer) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    page.goto(server.base + "/")
    page.fill("#token", "not-the-token")
    page.click("#login-form button[type=submit]")
    page.wait_for_function("document.querySelector('#login-error').textContent !== ''")
    assert page.is_hidden("#app") and page.locator("#allocation tbody tr").count() == 0
    assert recorder.foreign() == []
