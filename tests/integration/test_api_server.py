"""``pac-grants api`` as a real server (uvicorn on loopback) over a small SQLite ledger:
what only the running server shows (issue 12). Proxy headers are ignored unless
``PAC_API_FORWARDED_ALLOW_IPS`` names the proxy; no request is redirected to the
``Host`` it names; HEAD answers like GET; requests log no alembic line.
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from pac_grants.ledger import Ledger
from tests.integration.api_support import AUTH, ApiServer
from tests.unit.api_fixtures import fill

pytestmark = pytest.mark.integration
FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    book = Ledger.from_url(url)
    fill(book)
    book.dispose()
    return url


def served(url: str, log: Path, *paths: str, **env: str) -> str:
    """The server's log after a GET of each path with forged proxy headers."""
    server = ApiServer(url, log, loglevel="info", **env)
    try:
        for path in paths:
            httpx.get(server.base + path, headers=AUTH | FORWARDED)
    finally:
        assert server.stop() in (0, -signal.SIGTERM), log.read_text()
    return log.read_text()


def test_proxy_headers_are_ignored_by_default(url: str, tmp_path: Path) -> None:
    text = served(url, tmp_path / "api.log", "/healthz", "/api/v1/cycles")
    assert '"GET /api/v1/cycles HTTP/1.1" 200' in text
    assert "203.0.113.9" not in text and "127.0.0.1:" in text
    assert "alembic" not in text.split("GET /healthz", 1)[1]  # no schema check per request


def test_proxy_headers_of_a_configured_proxy(url: str, tmp_path: Path) -> None:
    text = served(url, tmp_path / "api.log", "/healthz",
                  PAC_API_FORWARDED_ALLOW_IPS="127.0.0.1")
    assert "203.0.113.9" in text


def test_no_redirect_and_head_on_the_real_server(url: str, tmp_path: Path) -> None:
    server = ApiServer(url, tmp_path / "api.log")
    try:
        slash = httpx.get(server.base + "/api/v1/cycles/", follow_redirects=False,
                          headers=AUTH | {"Host": "evil.example"})
        head = httpx.head(server.base + "/api/v1/cycles", headers=AUTH)
        get = httpx.get(server.base + "/api/v1/cycles", headers=AUTH)
    finally:
        server.stop()
    assert slash.status_code == 404 and "location" not in slash.headers
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(get.content)
