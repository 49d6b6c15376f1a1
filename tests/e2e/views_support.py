"""The finance page's views over a copy of the pipeline's ledger, for the browser tests
of the lifecycle, treasury and simulation views (tests/e2e/test_browser_*.py).

The copy is the ledger the real pipeline filled with the sample program
(``tests/integration/api_support.py``) with one variant ruleset stored in it by
``pac-grants rulesets add``: the packaged ruleset of cycle 2021 with every window's
equal share raised by 0.10 (a stored ruleset is a write: the shared ledger stays as the
pipeline left it). The tests compare what is on screen with what the API answers (the
API's own tests tie it to the ledger), never with a figure of the sample program.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Page

from pac_grants import display
from pac_grants.i18n import Lang
from pac_grants.rules.ruleset import PACKAGED_DIR, packaged_ids
from tests.e2e.browser_support import CYCLE
from tests.integration.api_support import AUTH, ApiServer, pipeline_ledger

VARIANT = f"papc-{CYCLE}-e2e-share"


def views_server(tmp_path_factory: pytest.TempPathFactory,
                 broker_url: str) -> Iterator[ApiServer]:
    """The API over a copy of the shared ledger with the variant stored (a module fixture)."""
    shared = pipeline_ledger(tmp_path_factory.getbasetemp() / "api-pipeline", broker_url)
    folder = tmp_path_factory.mktemp("views")
    copy = folder / "ledger.db"
    original = Path(shared.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):  # the whole database, whatever its journal mode
        if Path(f"{original}{suffix}").exists():
            shutil.copyfile(f"{original}{suffix}", f"{copy}{suffix}")
    url = f"sqlite:///{copy}"
    variant = folder / f"{VARIANT}.yaml"
    variant.write_text(yaml.safe_dump(variant_of(CYCLE), allow_unicode=True), encoding="utf-8")
    added = subprocess.run(
        [sys.executable, "-c", "from pac_grants.cli import main; main()", "rulesets", "add",
         str(variant), "--database-url", url], capture_output=True, text=True, check=False)
    assert added.returncode == 0, added.stderr
    running = ApiServer(url, folder / "api.log")
    yield running
    assert running.stop() in (0, -signal.SIGTERM), running.log.read_text()


def variant_of(cycle: int) -> dict[str, Any]:
    """The packaged ruleset of ``cycle`` under another id, equal shares raised by 0.10."""
    name = packaged_ids()[f"papc-{cycle}"]
    source = resources.files("pac_grants").joinpath(PACKAGED_DIR, name).read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(source)
    document["id"] = VARIANT
    for window in document["windows"]:
        if "equal_share" in window:
            window["equal_share"] = str(Decimal(str(window["equal_share"])) + Decimal("0.10"))
    return document


def api(server: ApiServer, path: str) -> Any:
    got = httpx.get(server.base + "/api/v1" + path, headers=AUTH, timeout=30)
    assert got.status_code == 200, got.text
    return got.json()


LANGS: tuple[Lang, ...] = ("fr", "ar")
NONE = "\u2013"  # what the page shows for a missing value


def cells(page: Page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        selector, "rows => rows.map(r => [...r.cells].map(c => c.textContent))")


def keyed(page: Page, selector: str, key: str) -> dict[str, list[str]]:
    """data-``key`` of each row -> the texts of its cells."""
    return dict(page.eval_on_selector_all(selector, f"""rows => rows.map(r =>
        [r.dataset.{key}, [...r.cells].map(c => c.textContent)])"""))


def shown_as(value: int | None, lang: Lang) -> str:
    return NONE if value is None else display.number(value, lang)


def open_tab(page: Page, tab: str, cycle: int) -> None:
    page.click(f"#tabs [data-tab={tab}]")
    page.wait_for_selector(f"#tab-{tab}[data-cycle='{cycle}']")
