"""The read API's authentication and read-only surface (issue 7)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pac_grants.api import create_app
from pac_grants.cli import main
from pac_grants.ledger import Ledger
from pac_grants.settings import Settings
from tests.unit.api_fixtures import AGADIR, AUTH, TOKEN, client_for

ROUTES = ["/api/v1/cycles", "/api/v1/cycles/2021/balances", "/api/v1/cycles/2021/allocation",
          f"/api/v1/communes/{AGADIR}/statement",
          f"/api/v1/cycles/2021/communes/{AGADIR}/explanation", "/api/v1/dead-letters",
          "/api/v1/cycles/2021/export.csv", "/api/v1/cycles/2021/allocation.xlsx",
          "/api/v1/cycles/2021/allocation.csv", f"/api/v1/communes/{AGADIR}/statement.xlsx",
          f"/api/v1/communes/{AGADIR}/statement.csv"]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    client, ledger = client_for(tmp_path)
    yield client
    ledger.dispose()


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": TOKEN},
])
def test_no_data_without_the_token(client: TestClient, route: str,
                                   headers: dict[str, str]) -> None:
    response = client.get(route, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert set(response.json()) == {"detail"}
    assert "Agadir" not in response.text and TOKEN not in response.text


def test_the_token_opens_every_route(client: TestClient) -> None:
    # explanation needs the pipeline's input state, which this ledger does not have
    codes = {route: client.get(route, headers=AUTH).status_code for route in ROUTES}
    assert codes == {r: 404 if r.endswith("explanation") else 200 for r in ROUTES}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_route_is_read_only(client: TestClient, method: str) -> None:
    for route in ROUTES:
        response = client.request(method.upper(), route, headers=AUTH)
        assert response.status_code == 405, route
        assert response.headers["allow"] == "GET"


def test_openapi_lists_only_gets_behind_bearer(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]
    for path, operations in spec["paths"].items():
        assert set(operations) == {"get"}, path
        secured = "security" in operations["get"]
        assert secured == path.startswith("/api/v1/"), path
        if secured:
            expected = {"401", "404"} | ({"422"} if operations["get"].get("parameters") else set())
            assert expected <= set(operations["get"]["responses"]), path


def test_health_and_page_need_no_token_and_hold_no_data(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Agadir" not in page.text and "6000000" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/app.css"):
        body = client.get(asset).text
        assert "http://" not in body.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in body


def test_the_app_refuses_to_exist_without_a_token(tmp_path: Path) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'x.db'}")
    for token in (None, SecretStr("")):
        with pytest.raises(ValueError, match="PAC_API_TOKEN"):
            create_app(Settings(api_token=token), ledger)


def test_cli_refuses_to_start_without_a_token(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.delenv("PAC_API_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    result = CliRunner().invoke(main, ["api", "--port", "8081"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: PAC_API_TOKEN is not set: the read API needs a bearer token"]


def test_cli_reports_a_bad_database_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("PAC_API_TOKEN", TOKEN)
    monkeypatch.setenv("PAC_DATABASE_URL", "nosuchdb://x/y")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["api"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "invalid database URL" in result.stderr and TOKEN not in result.stderr
