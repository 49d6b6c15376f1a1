"""The finance page's lifecycle view in headless Chromium (issue 10): the chosen cycle's
state, dates and decisions, reopening included, and its complaints register (totals,
counts per subject, the complaints with their status and a status filter), equal to
``/api/v1/cycles/{cycle}/lifecycle`` and ``/api/v1/complaints`` in French and in Arabic
(right to left), every request on 127.0.0.1 (tests/e2e/views_support.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from pac_grants import display
from pac_grants.i18n import Lang, text
from tests.e2e.browser_support import CYCLE, Recorder, screenshot, sign_in
from tests.e2e.views_support import (
    LANGS,
    NONE,
    api,
    cells,
    keyed,
    open_tab,
    shown_as,
    views_server,
)
from tests.integration.api_support import ApiServer

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> Iterator[ApiServer]:
    yield from views_server(tmp_path_factory, broker_url)


def check_lifecycle(page: Page, lang: Lang, life: dict[str, Any], register: dict[str, Any]) -> None:
    facts = {k: v[1] for k, v in keyed(page, "#life tr", "key").items()}
    assert facts["col.state"] == text(lang, f"status.{life['state']}")
    assert facts["life.approvals"] == display.number(life["approvals"], lang)
    for key in ("opened_on", "notified_on", "complaint_deadline", "closed_on", "decision_ref",
                "approved_by"):
        assert facts[f"life.{key}"] == (life[key] or NONE), key
    if life["reopened_on"]:
        assert [facts[f"life.{k}"] for k in ("reopened_on", "reopen_ref", "reopen_reason")] == [
            life["reopened_on"], life["reopen_ref"], life["reopen_reason"]]
        assert facts["life.first_closed_on"] == life["first_closed_on"]
    else:
        assert facts["life.reopened_on"] == text(lang, "life.never")
    timeline = page.inner_text("#timeline")
    assert all(life[k] in timeline for k in ("opened_on", "closed_on") if life[k])
    [totals] = register["cycles"]
    median = totals["median_days_to_decide"]
    assert cells(page, "#complaint-totals tbody tr") == [[
        *(display.number(totals[k], lang) for k in ("lodged", "decided", "upheld", "rejected",
                                                    "open", "late")),
        NONE if median is None else display.decimal(Decimal(str(median)), lang,
                                                    0 if float(median).is_integer() else 1),
        shown_as(totals["max_days_to_decide"], lang)]]
    assert keyed(page, "#subjects tbody tr", "subject") == {
        s["subject"]: [s["subject"], *(display.number(s[k], lang) for k in
                                       ("lodged", "upheld", "rejected", "open", "late"))]
        for s in totals["subjects"]}
    listed = keyed(page, "#complaints tbody tr[data-id]", "id")
    assert list(listed) == [c["complaint_id"] for c in register["complaints"]]
    for c in register["complaints"]:
        row = listed[c["complaint_id"]]
        assert (row[1], row[3], row[5], row[6], row[7]) == (
            c["commune_code"], c["lodged_on"], text(lang, f"complaint.{c['status']}"),
            c["decided_on"] or NONE, shown_as(c["days_to_decide"], lang))


def test_the_lifecycle_and_the_complaints_register(browser: tuple[BrowserContext, Recorder],
                                                   server: ApiServer) -> None:
    context, recorder = browser
    page = context.new_page()
    recorder.watch(page)
    lives = {c["cycle"]: api(server, f"/cycles/{c['cycle']}/lifecycle")
             for c in api(server, "/cycles")["cycles"]}
    cycle = next((c for c, life in lives.items() if life["reopened_on"]), CYCLE)
    register = api(server, f"/complaints?cycle={cycle}")
    sign_in(page, server.base, cycle)
    open_tab(page, "lifecycle", cycle)
    for lang in LANGS:
        if lang == "ar":
            page.click("#lang-switch")  # drawn again from what the page holds
            assert page.get_attribute("html", "dir") == "rtl"
        check_lifecycle(page, lang, lives[cycle], register)
        screenshot(page, f"lifecycle-{lang}", full_page=True)
    page.select_option("#complaint-status", "rejected")
    assert list(keyed(page, "#complaints tbody tr[data-id]", "id")) == [
        c["complaint_id"] for c in register["complaints"] if c["status"] == "rejected"]
    page.evaluate("location.hash = '#treasury'")  # a link to a view, or the back button
    page.wait_for_selector(f"#tab-treasury[data-cycle='{cycle}']")
    assert page.is_hidden("#tab-lifecycle")
    assert recorder.foreign() == [] and recorder.errors == []
