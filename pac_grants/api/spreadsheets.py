"""Files a spreadsheet user opens as they are (issue 12): XLSX and CSV.

XLSX (openpyxl): typed cells (numbers as numbers with a ``#,##0.00`` format, dates as
dates), a frozen, bold header row with filters, one sheet per window or cycle, right to
left in Arabic. CSV: UTF-8 with a BOM (so that Excel reads Arabic and accents), either
``,`` with machine decimals (``1500000000.00``) or, on request, ``;`` with decimal commas
(``1500000000,00``) as French-locale spreadsheets expect (README.md "Finance API and page"). Text
cells go through :func:`pac_grants.cells.safe`. Money arrives as integer centimes and is
written from its exact decimal text, never through a float.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pac_grants import cells, money

MONEY_FORMAT = "#,##0.00"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Delimiter = Literal["comma", "semicolon"]


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    money_columns: Collection[int] = field(default_factory=frozenset)
    right_to_left: bool = False


def xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one worksheet per sheet (an empty one if there are none)."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets or [Sheet("-", [], [])]:
        _worksheet(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _worksheet(book: Workbook, sheet: Sheet) -> None:
    ws = book.create_sheet(_title(sheet.title, book.sheetnames))
    ws.sheet_view.rightToLeft = sheet.right_to_left
    ws.append(list(sheet.headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        ws.append([_value(v, i in sheet.money_columns) for i, v in enumerate(row)])
    for i, _ in enumerate(sheet.headers):
        letter = get_column_letter(i + 1)
        if i in sheet.money_columns:
            for cell in ws[letter][1:]:
                cell.number_format = MONEY_FORMAT
        width = max((len(str(c.value or "")) for c in ws[letter]), default=8)
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    if sheet.rows:
        ws.auto_filter.ref = ws.dimensions


def _value(value: Any, is_money: bool) -> Any:
    if is_money and isinstance(value, int):
        return Decimal(money.text(value))
    if isinstance(value, str):
        return cells.safe(value)  # a formula in a name stays text in the sheet too
    return value


def _title(title: str, taken: list[str]) -> str:
    """A worksheet title Excel accepts: 31 characters, none of ``[]:*?/\\``, unique."""
    base = re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "-"
    name, n = base, 2
    while name in taken:
        name = f"{base[:28]} {n}"
        n += 1
    return name


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]],
              money_columns: Collection[int], delimiter: Delimiter = "comma") -> bytes:
    """UTF-8 with BOM; ``semicolon``: ``;`` and decimal commas in money columns."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if delimiter == "semicolon" else ",",
                        lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_value(v, i in money_columns, delimiter) for i, v in enumerate(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Any, is_money: bool, delimiter: Delimiter) -> Any:
    if is_money and isinstance(value, int):
        written = money.text(value)
        return written.replace(".", ",") if delimiter == "semicolon" else written
    if isinstance(value, date):
        return value.isoformat()
    return cells.safe(value)
