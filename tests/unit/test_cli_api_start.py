"""How ``pac-grants api`` starts (issue 12): never creates nor migrates a database
unless told (``--upgrade``), refuses short tokens, trusts proxy headers only from the
proxies of ``PAC_API_FORWARDED_ALLOW_IPS``. Every refusal is one line and exit 2.

``uvicorn.run`` is replaced here to see how the server would be started; the real server
(access log, proxy headers ignored) runs in tests/integration/test_api_server.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from pac_grants.cli import main
from pac_grants.ledger import Ledger
from tests.unit.api_fixtures import TOKEN, fill


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app} | kw))
    monkeypatch.setenv("PAC_API_TOKEN", TOKEN)
    monkeypatch.delenv("PAC_API_FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    return calls


def api(url: str, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["api", *args], env={"PAC_DATABASE_URL": url})
    return result.exit_code, result.stderr.strip().splitlines()


def test_a_missing_database_is_refused_and_not_created(started: list[dict[str, Any]],
                                                       tmp_path: Path) -> None:
    path = tmp_path / "mistyped.db"
    code, lines = api(f"sqlite:///{path}")
    assert (code, len(lines)) == (2, 1), lines
    assert "does not exist" in lines[0] and "pac-grants db upgrade" in lines[0]
    assert not path.exists() and started == []


def test_no_migration_without_upgrade(started: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    code, lines = api(f"sqlite:///{path}")
    assert (code, len(lines)) == (2, 1), lines
    assert "schema" in lines[0] and "--upgrade" in lines[0]
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [] and started == []


def test_upgrade_migrates_then_serves_read_only(started: list[dict[str, Any]],
                                                tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    code, lines = api(f"sqlite:///{path}", "--upgrade")
    assert code == 0, lines
    assert path.exists() and len(started) == 1
    engine = started[0]["app"].state.ledger.engine
    with engine.connect() as conn:
        assert "mode=ro" in str(engine.url) or conn.exec_driver_sql(
            "PRAGMA query_only").scalar() == 1


@pytest.mark.parametrize("token", ["a-b", "x" * 31])
def test_short_tokens_are_refused(started: list[dict[str, Any]], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("PAC_API_TOKEN", token)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    fill(Ledger.from_url(url))
    code, lines = api(url)
    assert (code, len(lines)) == (2, 1), lines
    assert "at least 32 characters" in lines[0] and token not in lines[0]
    assert started == []


def test_proxy_headers_are_ignored_unless_configured(started: list[dict[str, Any]],
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    fill(Ledger.from_url(url))
    assert api(url)[0] == 0
    assert started[-1]["proxy_headers"] is False
    monkeypatch.setenv("PAC_API_FORWARDED_ALLOW_IPS", "10.0.0.5")
    assert api(url)[0] == 0
    assert started[-1]["proxy_headers"] is True
    assert started[-1]["forwarded_allow_ips"] == "10.0.0.5"


def test_unsupported_database_urls_are_one_line(started: list[dict[str, Any]]) -> None:
    code, lines = api("mysql://user:pw-1234@db.example/ledger")
    assert (code, len(lines)) == (2, 1), lines
    assert "pw-1234" not in lines[0] and "mysql" in lines[0]
