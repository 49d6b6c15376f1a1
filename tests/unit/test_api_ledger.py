"""The read API over a ledger written through the ledger's own API (docs/ledger.md
"Reading it"; docs/cli.md s3). Same shapes as ``pac-grants ledger``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from pac_grants.api import create_app
from pac_grants.cli import main
from pac_grants.ledger import Ledger, SchemaMissing
from pac_grants.ledger.reader import read_only
from tests.ledger_support import upsert_communes
from tests.unit.api_fixtures import AGADIR, AUTH, SALE, TIZNIT, client_for, settings


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[TestClient, Ledger]]:
    client, ledger = client_for(tmp_path)
    yield client, ledger
    ledger.dispose()


def get(client: TestClient, path: str, status: int = 200) -> object:
    response = client.get("/api/v1" + path, headers=AUTH)
    assert response.status_code == status, response.text
    return response.json()


def cli_json(ledger: Ledger, *args: str) -> object:
    url = ledger.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["ledger", *args, "--database-url", url, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_summary_is_the_ledger_summary(setup: tuple[TestClient, Ledger]) -> None:
    client, ledger = setup
    body = get(client, "/cycles")
    assert body == cli_json(ledger, "summary")
    assert body == {"cycles": [
        {"cycle": 2021, "status": "closed", "state": "approved", "closed_on": None,
         "decision_ref": None, "windows": [
            {"window": "standard", "pool": "10000000.00", "allocated": "9000000.00",
             "unallocated": "1000000.00", "paid": "1234567.89", "eligible": 2,
             "ordered": "0.00", "outstanding": "7765432.11", "to_recover": "0.00",
             "carried_over": "0.00", "paid_by_offset": "0.00"}]},
        {"cycle": 2022, "status": "open", "state": "open", "closed_on": None,
         "decision_ref": None, "windows": [
            {"window": "standard", "pool": "5000000.00", "allocated": "0.00",
             "unallocated": "5000000.00", "paid": "0.00", "eligible": None,
             "ordered": "0.00", "outstanding": "0.00", "to_recover": "0.00",
             "carried_over": "0.00", "paid_by_offset": "0.00"}]}]}


def test_balances_are_the_ledger_balances(setup: tuple[TestClient, Ledger]) -> None:
    client, ledger = setup
    body = get(client, "/cycles/2021/balances")
    assert body == cli_json(ledger, "balances", "--cycle", "2021")
    assert body["communes"][1] == {  # type: ignore[index]
        "code": AGADIR, "window": "standard", "allocated": "5750000.00",
        "paid": "1234567.89", "outstanding": "4515432.11", "name_fr": "Agadir",
        "name_ar": "أكادير", "ordered": "0.00", "to_recover": "0.00", "paid_by_offset": "0.00"}


def test_balances_at_a_past_date(setup: tuple[TestClient, Ledger]) -> None:
    client, ledger = setup
    body = get(client, "/cycles/2021/balances?as_of=2022-03-31")
    assert body == cli_json(ledger, "balances", "--cycle", "2021", "--as-of", "2022-03-31")
    assert [(c["code"], c["allocated"], c["paid"]) for c in body["communes"]] == [  # type: ignore[index]
        (SALE, "3000000.00", "0.00"), (AGADIR, "6000000.00", "0.00")]
    for bad in ("2022-13-01", "0", "1700000000", "2022-3-1", "2022-03-01T00:00:00"):
        get(client, f"/cycles/2021/balances?as_of={bad}", 422)


def test_statement_with_running_balances(setup: tuple[TestClient, Ledger]) -> None:
    client, _ = setup
    body = get(client, f"/communes/{AGADIR}/statement")
    assert isinstance(body, dict)
    assert body["commune"] == {"code": AGADIR, "name_fr": "Agadir", "name_ar": "أكادير"}
    assert body["cycle"] is None
    kinds = [(e["kind"], e["allocated"], e["paid"], e["balance"]["outstanding"])
             for e in body["entries"]]
    assert kinds == [("allocation", "6000000.00", "0.00", "6000000.00"),
                     ("adjustment", "-250000.00", "0.00", "5750000.00"),
                     ("disbursement", "0.00", "1234567.89", "4515432.11")]
    assert body["entries"][0]["reason"] == "reason of allocation:2021:standard"
    assert get(client, f"/communes/{AGADIR}/statement?cycle=2021") == body | {"cycle": 2021}


@pytest.mark.parametrize("path", [
    "/cycles/1999/balances", "/cycles/1999/allocation", "/cycles/1999/export.csv",
    f"/cycles/1999/communes/{AGADIR}/explanation", "/communes/00.000.00.00/statement",
    f"/communes/{AGADIR}/statement?cycle=2022",
])
def test_unknown_cycle_or_commune_is_404_with_a_detail(setup: tuple[TestClient, Ledger],
                                                      path: str) -> None:
    body = get(setup[0], path, 404)
    assert isinstance(body, dict) and list(body) == ["detail"]
    assert body["detail"] and "\n" not in body["detail"]


@pytest.mark.parametrize("path", [
    "/cycles/abc/balances", "/cycles/10/balances", "/cycles/99999/allocation",
    "/communes/a%20b/statement", f"/communes/{AGADIR}/statement?cycle=x",
    "/dead-letters?limit=0", "/dead-letters?limit=100000", "/dead-letters?code=Bad%20Code",
    "/cycles/2021/communes/x;y/explanation",
])
def test_bad_parameters_are_422(setup: tuple[TestClient, Ledger], path: str) -> None:
    body = get(setup[0], path, 422)
    assert isinstance(body, dict) and "detail" in body


def test_dead_letters_most_recent_first_by_code(setup: tuple[TestClient, Ledger]) -> None:
    client, _ = setup
    codes = [d["code"] for d in get(client, "/dead-letters")["dead_letters"]]  # type: ignore[index]
    assert codes == ["unknown_commune", "schema_violation"]
    only = get(client, "/dead-letters?code=schema_violation&limit=5")["dead_letters"]  # type: ignore[index]
    assert [(d["code"], d["offset"], d["raw_value"], d["received_at"]) for d in only] == [
        ("schema_violation", 0, '{"bad": true}', "2022-03-01T00:00:00Z")]  # UTC kept
    assert len(get(client, "/dead-letters?limit=1")["dead_letters"]) == 1  # type: ignore[index]


def test_export_csv_is_the_ledger_export(setup: tuple[TestClient, Ledger]) -> None:
    client, ledger = setup
    response = client.get("/api/v1/cycles/2021/export.csv", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="pac-ledger-2021.csv"' in response.headers["content-disposition"]
    expected = io.StringIO()
    assert ledger.export(expected, "csv", cycle=2021) == 9
    assert response.content.decode("utf-8") == expected.getvalue()
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["cycle"] for r in rows} == {"2021"}
    assert {r["name_ar"] for r in rows if r["commune_code"] == SALE} == {"سلا"}


def test_allocation_from_the_stored_result(setup: tuple[TestClient, Ledger]) -> None:
    body = get(setup[0], "/cycles/2021/allocation")
    assert isinstance(body, dict)
    assert (body["source"], body["status"], body["inputs_digest"]) == (
        "stored", "final", "sha256:def")
    [window] = body["windows"]
    assert (window["pool"], window["allocated"], window["eligible"]) == (
        "10000000.00", "9000000.00", 2)
    rows = {r["code"]: r for r in window["communes"]}
    assert rows[AGADIR] == {
        "code": AGADIR, "name_fr": "Agadir", "name_ar": "أكادير", "region": "Souss-Massa",
        "eligible": True, "reasons": [], "failed_conditions": [], "score": 73,
        "capped": False, "amount": "5750000.00", "ledger_allocated": "5750000.00",
        "paid": "1234567.89", "outstanding": "4515432.11"}
    assert (rows[SALE]["capped"], rows[SALE]["amount"]) == (True, "3250000.00")
    assert (rows[TIZNIT]["eligible"], rows[TIZNIT]["reasons"], rows[TIZNIT]["amount"],
            rows[TIZNIT]["ledger_allocated"]) == (False, ["failed_conditions"], "0.00", "0.00")


def test_a_cycle_without_allocation_result_is_404(setup: tuple[TestClient, Ledger]) -> None:
    body = get(setup[0], "/cycles/2022/allocation", 404)
    assert body == {"detail": "cycle 2022 has no allocation result in the ledger"}


def test_reads_are_read_only_and_leave_the_connection_writable(tmp_path: Path) -> None:
    _, ledger = client_for(tmp_path)
    try:
        with read_only(ledger.engine) as conn, pytest.raises(sa.exc.OperationalError,
                                                             match="readonly"):
            conn.execute(sa.text("DELETE FROM dead_letters"))
        assert len(ledger.dead_letters()) == 2
        upsert_communes(ledger, [{"code": "X1", "name_fr": "x", "name_ar": "x", "region": "r",
                                 "province": "p"}])  # the pooled connection writes again
    finally:
        ledger.dispose()


def test_an_unmigrated_database_is_refused_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    ledger = Ledger.from_url(url)
    try:
        with pytest.raises(SchemaMissing, match="pac-grants db upgrade"):
            create_app(settings(url), ledger)
    finally:
        ledger.dispose()
