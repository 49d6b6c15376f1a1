"""The read API's security findings of issue 12, each with what the fix must do.

A read-only SQLite engine and no database created by the API; tokens of at least 32
characters; a generic 503; no redirect built from the request's Host; HEAD like GET; a
cycle is exactly four digits; the schema checked once, at start. The command line's
side (``pac-grants api``) is in ``test_cli_api_start.py``.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from pac_grants.api import create_app
from pac_grants.ledger import DatabaseUnavailable, Ledger, SchemaMissing
from pac_grants.settings import Settings
from tests.unit.api_fixtures import AUTH, TOKEN, client_for, settings


def test_the_api_engine_cannot_write(tmp_path: Path) -> None:
    _client, ledger = client_for(tmp_path)
    ledger.dispose()
    reader = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}", read_only=True)
    try:
        with reader.engine.connect() as conn, pytest.raises(sa.exc.OperationalError,
                                                            match="readonly"):
            conn.exec_driver_sql("DELETE FROM dead_letters")
    finally:
        reader.dispose()


def test_a_read_only_engine_never_creates_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "mistyped.db"
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        Ledger.from_url(f"sqlite:///{missing}", read_only=True)
    assert not missing.exists()


def test_the_app_refuses_a_database_without_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    ledger = Ledger.from_url(f"sqlite:///{path}", read_only=True)
    try:
        with pytest.raises(SchemaMissing, match="pac-grants db upgrade"):
            create_app(settings(f"sqlite:///{path}"), ledger)
    finally:
        ledger.dispose()


@pytest.mark.parametrize(("token", "refusal"), [
    ("a", "at least 32 characters"), ("x" * 31, "at least 32 characters"),
    (" " * 40, "is not set"),
])
def test_short_tokens_are_refused(tmp_path: Path, token: str, refusal: str) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValueError, match=refusal) as raised:
        create_app(Settings(api_token=SecretStr(token)), ledger)
    assert "x" * 31 not in str(raised.value)


def test_a_database_failure_is_a_generic_503(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    client, ledger = client_for(tmp_path)
    try:
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE dead_letters")
        with caplog.at_level(logging.ERROR, logger="pac_grants.api"):
            response = client.get("/api/v1/dead-letters", headers=AUTH)
    finally:
        ledger.dispose()
    assert response.status_code == 503
    assert response.json() == {"detail": "the ledger's database is unavailable; "
                                         "the server's log has the details"}
    assert str(tmp_path) not in response.text and "sqlite" not in response.text
    assert any(str(tmp_path) in r.getMessage() and "dead_letters" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("path", ["/api/v1/cycles/", "/api/v1/cycles/2021/balances/",
                                  "/static", "/healthz/"])
def test_no_redirect_to_the_requests_host(tmp_path: Path, path: str) -> None:
    client, ledger = client_for(tmp_path)
    try:
        response = client.get(path, headers=AUTH | {"Host": "evil.example",
                                                    "X-Forwarded-Host": "evil.example"},
                              follow_redirects=False)
    finally:
        ledger.dispose()
    assert not 300 <= response.status_code < 400, response.headers
    assert "evil.example" not in response.headers.get("location", "")
    assert "evil.example" not in response.text


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/cycles", "/api/v1/cycles/2021/balances",
                                  "/api/v1/cycles/2021/export.csv", "/static/app.js"])
def test_head_is_get_without_the_body(tmp_path: Path, path: str) -> None:
    client, ledger = client_for(tmp_path)
    try:
        head = client.head(path, headers=AUTH)
        get = client.get(path, headers=AUTH)
    finally:
        ledger.dispose()
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) == len(get.content)


def test_head_needs_the_token_too(tmp_path: Path) -> None:
    client, ledger = client_for(tmp_path)
    try:
        assert client.head("/api/v1/cycles").status_code == 401
    finally:
        ledger.dispose()


@pytest.mark.parametrize("cycle", ["2021.0", "+2021", "02021", "2021%20", "%202021", "0x7e5",
                                   "2_021", "\uff12\uff10\uff12\uff11"])
def test_a_cycle_is_exactly_four_digits(tmp_path: Path, cycle: str) -> None:
    client, ledger = client_for(tmp_path)
    try:
        for path in (f"/api/v1/cycles/{cycle}/balances", f"/api/v1/cycles/{cycle}/export.csv",
                     f"/api/v1/communes/09.001.01.01/statement?cycle={cycle}"):
            response = client.get(path, headers=AUTH)
            assert response.status_code in (404, 422), (path, response.text[:200])
        assert client.get("/api/v1/cycles/2021/balances", headers=AUTH).status_code == 200
    finally:
        ledger.dispose()


def test_requests_do_not_check_the_schema_again(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    client, ledger = client_for(tmp_path)
    caplog.clear()  # filling the ledger migrated it
    try:
        with caplog.at_level(logging.DEBUG):
            for _ in range(2):
                assert client.get("/api/v1/cycles", headers=AUTH).status_code == 200
    finally:
        ledger.dispose()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []


def test_the_test_token_is_long_enough() -> None:
    assert len(TOKEN) >= 32
