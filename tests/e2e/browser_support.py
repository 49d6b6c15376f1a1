"""What the browser tests of the finance page share: Debian's headless ``chromium``
driven by Playwright's Python package (no browser download), a recorder of every request
and error, signing in, and screenshots for the docs (``PAC_SCREENSHOT_DIR``, set by
``scripts/screenshots``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.integration.api_support import TOKEN

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CYCLE = 2021


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


@contextmanager
def chromium(profile: Path) -> Iterator[tuple[BrowserContext, Recorder]]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing (scripts/bootstrap)"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=FLAGS, headless=True,
            accept_downloads=True, viewport={"width": 1400, "height": 900})
        try:
            yield context, Recorder(context)
        finally:
            context.close()


def sign_in(page: Page, base: str, cycle: int = CYCLE) -> None:
    """Open the page, give the token, choose ``cycle`` and wait for its table."""
    page.goto(base + "/")
    assert page.locator("#allocation tbody tr").count() == 0
    page.fill("#token", TOKEN)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#allocation[data-cycle]")
    page.select_option("#cycle", str(cycle))
    page.wait_for_selector(f"#allocation[data-cycle='{cycle}']")


def downloaded(page: Page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(button)
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def screenshot(page: Page, name: str, full_page: bool = False) -> None:
    """``docs/screenshot-{name}.png`` when ``PAC_SCREENSHOT_DIR`` is set."""
    folder = os.environ.get("PAC_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"screenshot-{name}.png"), full_page=full_page)
