"""The spreadsheet downloads (issue 12): the allocation table as the page shows it and a
commune's statement, as XLSX (opened here with openpyxl) and CSV, equal to the API's
JSON numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from pac_grants import money
from pac_grants.ledger import Ledger
from tests.unit.api_fixtures import AGADIR, AUTH, SALE, TIZNIT, client_for


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[TestClient, Ledger]]:
    client, ledger = client_for(tmp_path)
    yield client, ledger
    ledger.dispose()


def workbook(client: TestClient, path: str) -> Any:
    response = client.get(path, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["content-disposition"]
    return load_workbook(io.BytesIO(response.content))


def centimes(value: Any) -> int:
    """A numeric cell as centimes, exactly (the cell holds the decimal written)."""
    assert isinstance(value, int | float), value
    return money.parse(str(Decimal(str(value)).quantize(Decimal("0.01"))))


def test_allocation_xlsx_equals_the_api(setup: tuple[TestClient, Ledger]) -> None:
    client, _ = setup
    api = client.get("/api/v1/cycles/2021/allocation", headers=AUTH).json()
    book = workbook(client, "/api/v1/cycles/2021/allocation.xlsx")
    assert book.sheetnames == ["2021 standard"]
    sheet = book["2021 standard"]
    assert sheet.freeze_panes == "A2" and not sheet.sheet_view.rightToLeft
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("Code", "Commune (français)", "Commune (arabe)")
    assert header[8] == "Montant (MAD)"
    expected = {r["code"]: r for r in api["windows"][0]["communes"]}
    assert [r[0] for r in rows] == [SALE, AGADIR, TIZNIT] or len(rows) == 3
    for row in rows:
        record = expected[row[0]]
        assert (row[1], row[2]) == (record["name_fr"], record["name_ar"])
        for cell, key in zip(row[8:12], ("amount", "ledger_allocated", "paid", "outstanding"),
                             strict=True):
            assert centimes(cell) == money.parse(record[key]), key
    money_cell = sheet.cell(row=2, column=9)
    assert money_cell.data_type == "n" and money_cell.number_format == "#,##0.00"
    assert rows[-1][6].startswith("conditions minimales non remplies (MMC3)")


def test_the_xlsx_follows_the_pages_view(setup: tuple[TestClient, Ledger]) -> None:
    client, _ = setup
    base = "/api/v1/cycles/2021/allocation.xlsx"
    by_amount = [r[0] for r in workbook(client, base).worksheets[0].iter_rows(
        min_row=2, values_only=True)]
    assert by_amount == [AGADIR, SALE, TIZNIT]  # 5 750 000 > 3 250 000 > 0, largest first
    by_name = [r[1] for r in workbook(client, base + "?sort=name_fr&order=asc").worksheets[0]
               .iter_rows(min_row=2, values_only=True)]
    assert by_name == ["Agadir", "Salé", "Tiznit"]
    found = list(workbook(client, base + "?q=SALE").worksheets[0].iter_rows(
        min_row=2, values_only=True))
    assert [r[0] for r in found] == [SALE]  # accents and case ignored
    ineligible = list(workbook(client, base + "?eligibility=no").worksheets[0].iter_rows(
        min_row=2, values_only=True))
    assert [r[0] for r in ineligible] == [TIZNIT]
    assert workbook(client, base + "?window=other").sheetnames == ["-"]


def test_arabic_xlsx_is_right_to_left(setup: tuple[TestClient, Ledger]) -> None:
    client, _ = setup
    sheet = workbook(client, "/api/v1/cycles/2021/allocation.xlsx?lang=ar").worksheets[0]
    assert sheet.sheet_view.rightToLeft
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert header[0] == "الرمز" and header[8] == "المبلغ (درهم)"


def test_allocation_csv_for_french_spreadsheets(setup: tuple[TestClient, Ledger]) -> None:
    client, _ = setup
    plain = client.get("/api/v1/cycles/2021/allocation.csv", headers=AUTH)
    semicolon = client.get("/api/v1/cycles/2021/allocation.csv?delimiter=semicolon",
                           headers=AUTH)
    for response in (plain, semicolon):
        assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(plain.content.decode("utf-8-sig"))))
    assert rows[1][0] == AGADIR and rows[1][8] == "5750000.00"
    rows = list(csv.reader(io.StringIO(semicolon.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == AGADIR and rows[1][8] == "5750000,00" and rows[1][10] == "1234567,89"


def test_statement_xlsx_one_sheet_per_cycle(setup: tuple[TestClient, Ledger]) -> None:
    client, _ = setup
    api = client.get(f"/api/v1/communes/{AGADIR}/statement", headers=AUTH).json()
    book = workbook(client, f"/api/v1/communes/{AGADIR}/statement.xlsx")
    assert book.sheetnames == ["2021"]
    header, *rows = list(book["2021"].iter_rows(values_only=True))
    assert header[0] == "N°" and book["2021"].freeze_panes == "A2"
    assert len(rows) == len(api["entries"])
    for row, entry in zip(rows, api["entries"], strict=True):
        assert row[0] == entry["sequence"]
        assert isinstance(row[1], datetime) and row[1].date().isoformat() == entry["effective_date"]
        assert centimes(row[8]) == money.parse(entry["balance"]["allocated"])
        assert centimes(row[10]) == money.parse(entry["balance"]["outstanding"])
    assert rows[-1][2] == "Paiement"


def test_statement_csv_and_unknown_commune(setup: tuple[TestClient, Ledger]) -> None:
    client, _ = setup
    response = client.get(f"/api/v1/communes/{AGADIR}/statement.csv?delimiter=semicolon&lang=ar",
                          headers=AUTH)
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("الدورة;الرقم") and lines[-1].endswith(";1234567,89;4515432,11")
    assert client.get("/api/v1/communes/nowhere/statement.xlsx",
                      headers=AUTH).status_code == 404
    assert client.get(f"/api/v1/communes/{AGADIR}/statement.xlsx").status_code == 401
