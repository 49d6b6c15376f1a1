"""``pac-grants explain`` without files: from the inputs the worker stored with the ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pac_grants.cli import main
from pac_grants.settings import get_settings
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, opened


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("PAC_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_explain_from_the_ledgers_inputs(database: str) -> None:
    feed = Feed(database)
    feed.send("communes", commune("A1", 600_000), commune("B2", 200_000))
    feed.send("cycles", opened(pool=1_000_000))
    feed.send("assessments", assessment("A1"), assessment("B2", conditions={
        f"MMC{n}": n != 4 for n in range(1, 8)}))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    allocated = feed.allocated(2021)
    feed.ledger.dispose()

    result = CliRunner().invoke(main, ["explain", "--cycle", "2021", "--commune", "A1",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["amount"] == allocated["A1"] == 1_000_000
    assert data["eligible"] is True and data["assessment"]["revision"] == 1
    result = CliRunner().invoke(main, ["explain", "--cycle", "2021", "--commune", "B2",
                                       "--format", "json"])
    data = json.loads(result.stdout)
    assert data["reasons"] == ["failed_conditions"] and data["failed_conditions"] == ["MMC4"]
    assert data["amount"] == 0 and "B2" not in allocated


def test_explain_of_a_cycle_never_opened(database: str) -> None:
    Feed(database).ledger.dispose()
    result = CliRunner().invoke(main, ["explain", "--cycle", "2019", "--commune", "A1"])
    assert result.exit_code == 2
    assert "cycle 2019 was never opened" in result.stderr


def test_explain_without_a_ledger_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAC_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["explain", "--cycle", "2021", "--commune", "A1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
