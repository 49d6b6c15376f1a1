"""The browser of the finance page's tests (tests/e2e/browser_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from tests.e2e.browser_support import Recorder, chromium


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[BrowserContext, Recorder]]:
    with chromium(tmp_path / "profile") as opened:
        yield opened
