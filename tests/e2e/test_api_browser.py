"""The finance page and the public page in headless Chromium (Debian's ``chromium``,
driven by Playwright's Python package; no browser download), over ``pac-grants api`` on
a ledger filled by the real pipeline (``tests/integration/api_support.py``).

For the known scenario (the sample program, seed ``api_support.SEED``) the table's
amounts must equal the ledger's in French and in Arabic (money as Babel's CLDR data
writes it, pac_grants/display.py), the spreadsheet downloads must be the table on screen
(opened with openpyxl) and the postings download the ledger's export, the print layout
must keep every money column on A4, and every request the page makes must stay on
127.0.0.1 (no network beyond the service). ``PAC_SCREENSHOT_DIR=docs`` keeps
``screenshot-fr.png`` and ``screenshot-ar.png`` there (``scripts/screenshots`` does it).
"""

from __future__ import annotations

import io
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page

from pac_grants import display, money
from pac_grants.i18n import Lang
from pac_grants.ledger import Ledger
from tests.e2e.browser_support import CYCLE, Recorder, downloaded, screenshot, sign_in
from tests.integration.api_support import ApiServer, pipeline_ledger

pytestmark = pytest.mark.integration
AMOUNT, STANDING, CAP = 8, 6, 7  # columns of the table


@pytest.fixture(scope="module")
def ledger_url(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> str:
    return pipeline_ledger(tmp_path_factory.getbasetemp() / "api-pipeline", broker_url)


@pytest.fixture(scope="module")
def server(ledger_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    running = ApiServer(ledger_url, tmp_path_factory.mktemp("api") / "api.log",
                        PAC_PUBLIC_RESULTS="1")
    yield running
    assert running.stop() in (0, -signal.SIGTERM), running.log.read_text()


def table(page: Page) -> dict[str, dict[str, Any]]:
    """code -> the row's cells as the page shows them, in the page's order."""
    rows = page.eval_on_selector_all("#allocation tbody tr", """rows => rows.map(r => ({
        code: r.dataset.code, cells: [...r.cells].map(c => c.textContent),
        amounts: [...r.querySelectorAll('td[data-amount]')].map(c => c.dataset.amount)}))""")
    return {r["code"]: r for r in rows}


def ledger_amounts(ledger_url: str) -> tuple[dict[str, int], dict[str, tuple[str, str]]]:
    ledger = Ledger.from_url(ledger_url)
    try:
        allocated: dict[str, int] = {}
        for (_window, code), centimes in ledger.allocated(CYCLE).items():
            allocated[code] = allocated.get(code, 0) + centimes
        names = {b.code: (b.name_fr or "", b.name_ar or "") for b in ledger.balances(CYCLE)}
    finally:
        ledger.dispose()
    return allocated, names


def check_table(page: Page, lang: Lang, ledger_url: str) -> dict[str, dict[str, Any]]:
    allocated, names = ledger_amounts(ledger_url)
    shown = table(page)
    assert len(shown) == 103
    for code, row in shown.items():
        amount, in_ledger = row["amounts"][0], row["amounts"][1]
        assert amount == in_ledger == money.text(allocated.get(code, 0)), code
        cents = money.parse(amount)
        assert row["cells"][AMOUNT] == display.money(cents, lang, currency=False), code
        assert display.parse(row["cells"][AMOUNT], lang) == cents
        if code in names:
            assert (row["cells"][1], row["cells"][2]) == names[code]
    return shown


def test_the_table_in_french_and_arabic(browser: tuple[BrowserContext, Recorder],
                                        server: ApiServer, ledger_url: str) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    sign_in(page, server.base)
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("#allocation th[data-key=amount]") == "Montant (MAD)"
    shown = check_table(page, "fr", ledger_url)
    assert any(r["cells"][CAP] == "plafonnée" for r in shown.values())
    assert {r["cells"][STANDING] for r in shown.values()} & {"éligible"}
    assert any("conditions minimales non remplies" in r["cells"][STANDING]
               or "note inférieure" in r["cells"][STANDING] for r in shown.values())
    assert page.locator("#chart svg rect").count() > 0
    assert page.locator("#regions tbody tr").count() >= 5
    screenshot(page, "fr")
    page.click("#lang-switch")
    assert (page.get_attribute("html", "dir"), page.get_attribute("html", "lang")) == ("rtl", "ar")
    assert page.inner_text("#allocation th[data-key=amount]") == "المبلغ (درهم)"
    shown = check_table(page, "ar", ledger_url)
    assert any(r["cells"][CAP] == "بلغت السقف" for r in shown.values())
    assert any(r["cells"][STANDING] == "مؤهلة" for r in shown.values())
    screenshot(page, "ar")
    page.reload()  # the choice is kept
    page.wait_for_selector("#allocation[data-cycle]")
    assert page.get_attribute("html", "dir") == "rtl"
    assert recorder.foreign() == [] and recorder.errors == []


def test_money_on_the_page_is_babels(browser: tuple[BrowserContext, Recorder],
                                     server: ApiServer) -> None:
    context, _ = browser
    page = context.new_page()
    page.goto(server.base + "/")
    values = [0, 5, -5, 99, 100, 123_456, -250_000_00, 150_000_000_000, 10**17 + 1]
    for lang in ("fr", "ar"):
        page.evaluate(f"I18N.setLang('{lang}')")
        texts = page.evaluate("vs => vs.map(v => [I18N.money(v, true), I18N.money(v)])",
                              [money.text(v) for v in values])
        assert texts == [[display.money(v, lang), display.money(v, lang, currency=False)]
                         for v in values]
        counts = [0, 7, -12, 123, -123, 1234, -123_456, 10**12]
        assert page.evaluate("vs => vs.map(v => I18N.number(v))", counts) == [
            display.number(v, lang) for v in counts]


def test_names_are_isolated(browser: tuple[BrowserContext, Recorder], server: ApiServer) -> None:
    context, _ = browser
    page = context.new_page()
    sign_in(page, server.base)
    isolation = page.eval_on_selector_all(
        "#allocation tbody td.name", "cells => cells.map(c => c.firstElementChild ? "
        "[c.firstElementChild.tagName, getComputedStyle(c.firstElementChild).unicodeBidi] : [])")
    assert isolation and all(i == ["BDI", "isolate"] for i in isolation)


def test_sort_filter_statement_and_explanation(browser: tuple[BrowserContext, Recorder],
                                               server: ApiServer) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    sign_in(page, server.base)
    order = [money.parse(r["amounts"][0]) for r in table(page).values()]
    assert order == sorted(order, reverse=True)  # by amount, largest first
    page.click("#allocation th[data-key=amount]")
    order = [money.parse(r["amounts"][0]) for r in table(page).values()]
    assert order == sorted(order)
    page.fill("#filter", "الدار البيضاء")
    [code] = table(page)
    page.select_option("#eligibility", "no")
    assert all(r["cells"][STANDING] != "éligible" for r in table(page).values())
    page.select_option("#eligibility", "")
    page.click(f"a.commune[data-code='{code}']")
    page.wait_for_selector("#statement table")
    page.wait_for_selector("#history table")
    assert page.inner_text("#detail-summary").startswith(("Éligible", "Non éligible"))
    assert "remplie" in page.inner_text("#explanation")
    page.click("#lang-switch")
    assert "الدار البيضاء" in page.inner_text("#detail-title")
    assert page.inner_text("#detail-summary").startswith(("مؤهلة", "غير مؤهلة"))
    assert "برنامج عمل الجماعة" in page.inner_text("#explanation")  # MMC3's Arabic label
    assert page.locator("#statement tbody tr").count() >= 1
    assert recorder.foreign() == [] and recorder.errors == []


def test_the_xlsx_is_the_table_on_screen(browser: tuple[BrowserContext, Recorder],
                                         server: ApiServer) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    sign_in(page, server.base)
    page.fill("#filter", "sa")
    page.click("#allocation th[data-key=name_fr]")  # A to Z
    shown = table(page)
    name, body = downloaded(page, "#download-xlsx")
    assert name == f"pac-allocation-{CYCLE}.xlsx"
    book = load_workbook(io.BytesIO(body))
    rows = [r for sheet in book.worksheets for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in rows] == list(shown)
    for row in rows:
        on_screen = shown[row[0]]
        assert [money.parse(f"{v:.2f}") for v in row[8:12]] == [
            money.parse(a) for a in on_screen["amounts"]]
        assert row[1] == on_screen["cells"][1] and row[STANDING] == on_screen["cells"][STANDING]
    assert book.worksheets[0].freeze_panes == "A2"
    page.click("#lang-switch")
    name, body = downloaded(page, "#download-csv")
    text = body.decode("utf-8")
    assert text.startswith("\ufeff" + "\u0627\u0644\u0631\u0645\u0632;")  # the code, in Arabic
    assert name == f"pac-allocation-{CYCLE}.csv"
    assert [line.split(";")[0] for line in text.splitlines()[1:]] == list(shown)
    assert recorder.foreign() == [] and recorder.errors == []


def test_statement_downloads(browser: tuple[BrowserContext, Recorder],
                             server: ApiServer) -> None:
    context, _ = browser
    page = context.new_page()
    sign_in(page, server.base)
    code = next(iter(table(page)))
    page.click(f"a.commune[data-code='{code}']")
    page.wait_for_selector("#statement table")
    shown = page.eval_on_selector_all("#statement tbody tr td[data-amount]",
                                      "cells => cells.map(c => c.dataset.amount)")
    name, body = downloaded(page, "#statement-xlsx")
    assert name == f"pac-statement-{code}.xlsx"
    sheet = load_workbook(io.BytesIO(body))[str(CYCLE)]
    cells = [f"{v:.2f}" for r in sheet.iter_rows(min_row=2, values_only=True) for v in r[5:11]]
    assert [money.parse(c) for c in cells] == [money.parse(a) for a in shown]


def test_the_postings_download_is_the_ledger_export(browser: tuple[BrowserContext, Recorder],
                                                    server: ApiServer, ledger_url: str) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    sign_in(page, server.base)
    name, body = downloaded(page, "#download")
    assert name == f"pac-ledger-{CYCLE}.csv"
    expected = io.StringIO()
    ledger = Ledger.from_url(ledger_url)
    try:
        ledger.export(expected, "csv", cycle=CYCLE)
    finally:
        ledger.dispose()
    assert body.decode("utf-8") == expected.getvalue()
    assert any(u.endswith(f"/api/v1/cycles/{CYCLE}/export.csv") for u in recorder.requests)


@pytest.mark.parametrize(("width", "lang"), [(718, "fr"), (1047, "fr"), (718, "ar")])
def test_print_keeps_every_money_column_on_a4(browser: tuple[BrowserContext, Recorder],
                                             server: ApiServer, width: int, lang: str) -> None:
    """A4 at 96 dpi less 10 mm margins: 718 px portrait, 1047 px landscape."""
    context, _ = browser
    page = context.new_page()
    sign_in(page, server.base)
    if lang == "ar":
        page.click("#lang-switch")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": width, "height": 1000})
    boxes = page.eval_on_selector_all(
        "#allocation td.num, #allocation th.num, #regions td.num",
        "cells => cells.map(c => { const b = c.getBoundingClientRect();"
        " return [b.left, b.right, c.scrollWidth <= c.clientWidth + 1]; })")
    assert boxes
    for left, right, whole in boxes:
        assert left >= 0 and right <= width + 0.5 and whole, (left, right, width)


def test_the_public_page_in_both_languages(browser: tuple[BrowserContext, Recorder],
                                           server: ApiServer) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    page.goto(server.base + "/public")
    page.wait_for_selector("#windows[data-cycle]")
    page.select_option("#cycle", str(CYCLE))
    page.wait_for_selector(f"#windows[data-cycle='{CYCLE}']")
    rows = page.locator("#windows tbody tr")
    assert rows.count() == 103
    assert "Planification" in page.inner_text("#windows")
    page.click("#lang-switch")
    assert page.get_attribute("html", "dir") == "rtl" and "التخطيط" in page.inner_text("#windows")
    assert not any("/api/v1/" in u and "/public/" not in u for u in recorder.requests)
    assert recorder.foreign() == [] and recorder.errors == []


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
