"""The finance page's simulation view in headless Chromium (issue 13): cycle 2021 against
the variant stored by tests/e2e/views_support.py (equal shares + 0.10): the totals side
by side, who gains and loses, every changed commune's base, variant and difference with
its changes in words, all communes on request, and the workbook; equal to
``/api/v1/cycles/{cycle}/simulation`` in French and in Arabic (right to left), every
request on 127.0.0.1.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page

from pac_grants import display
from pac_grants.i18n import Lang, text
from tests.e2e.browser_support import CYCLE, Recorder, downloaded, screenshot, sign_in
from tests.e2e.views_support import LANGS, VARIANT, api, keyed, open_tab, views_server
from tests.integration.api_support import ApiServer

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> Iterator[ApiServer]:
    yield from views_server(tmp_path_factory, broker_url)


def check_simulation(page: Page, lang: Lang, found: dict[str, Any]) -> None:
    def mad(value: int) -> str:
        return ("+" if value > 0 else "") + display.money(value * 100, lang, currency=False)

    changed = [c for c in found["communes"] if c["changes"] != ["unchanged"]]
    rows = page.eval_on_selector_all("#sim-communes tbody tr", """rows => rows.map(r => ({
        code: r.dataset.code, cells: [...r.cells].map(c => c.textContent)}))""")
    assert sorted(r["code"] for r in rows) == sorted(c["code"] for c in changed) and rows
    expected = {c["code"]: c for c in changed}
    separator = " ; " if lang == "fr" else "؛ "
    for row in rows:
        commune = expected[row["code"]]
        assert row["cells"][4:] == [
            mad(commune["base_amount"]).lstrip("+"), mad(commune["variant_amount"]).lstrip("+"),
            mad(commune["difference"]),
            separator.join(text(lang, f"change.{c}") for c in commune["changes"])]
    differences = [c["difference"] for c in changed]
    assert any(differences), "the variant changes some amount"
    assert page.inner_text("#sim-total-difference") == mad(sum(differences))
    base, variant = found["totals"]["base"], found["totals"]["variant"]
    totals = keyed(page, "#sim-totals tbody tr", "key")
    for key in ("eligible", "capped"):
        assert totals[key][1:3] == [display.number(base[key], lang),
                                    display.number(variant[key], lang)]
    for key in ("pool", "allocated", "unallocated"):
        assert totals[key][1:] == [mad(base[key]).lstrip("+"), mad(variant[key]).lstrip("+"),
                                   mad(variant[key] - base[key])]
    moves = found["totals"]["changes"]
    assert page.inner_text("#sim-moves") == text(
        lang, "sim.moves", gain=display.number(moves["gain"], lang),
        lose=display.number(moves["lose"], lang), same=display.number(moves["same"], lang),
        gained=display.money(moves["gained"] * 100, lang),
        lost=display.money(moves["lost"] * 100, lang))


def test_a_simulation_against_a_stored_variant(browser: tuple[BrowserContext, Recorder],
                                               server: ApiServer) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    [entry] = [r for r in api(server, "/rulesets")["rulesets"] if r["id"] == VARIANT]
    found = api(server, f"/cycles/{CYCLE}/simulation?variant={entry['reference']}")
    sign_in(page, server.base)
    open_tab(page, "simulation", CYCLE)
    assert page.input_value("#variant") == entry["reference"]  # a stored variant first
    page.click("#simulate")
    page.wait_for_selector(f"#tab-simulation[data-variant='{entry['reference']}']")
    for lang in LANGS:
        if lang == "ar":
            page.click("#lang-switch")
        check_simulation(page, lang, found)
        screenshot(page, f"simulation-{lang}")
    page.uncheck("#sim-changed")
    assert page.locator("#sim-communes tbody tr").count() == len(found["communes"])
    name, body = downloaded(page, "#simulation-xlsx")
    assert name == f"pac-simulation-{CYCLE}-{VARIANT}.xlsx"
    assert load_workbook(io.BytesIO(body)).sheetnames
    assert recorder.foreign() == [] and recorder.errors == []
