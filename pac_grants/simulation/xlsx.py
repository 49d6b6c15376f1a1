"""A simulation (or a sweep) as an Excel workbook, for the committee's own sums.

Numbers are typed numeric cells with a number format (whole MAD ``#,##0``, per-capita
``#,##0.00``, shares and Gini ``#,##0.0000``), never text, so a filter or a sum just works;
every sheet has a frozen header row and an auto-filter. Decimals keep the places they
were rounded to (per capita 2, shares and Gini 4). A sweep adds a ``sweep`` sheet
(totals against the parameter) and a ``value`` column in front of the other sheets.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pac_grants.simulation.tables import COMMUNE_COLUMNS, SWEEP_COLUMNS, commune_rows, sweep_rows

GROUP_COLUMNS = ["communes", "base_eligible", "variant_eligible", "base_amount",
                 "variant_amount", "difference"]
TOTALS = ["pool", "allocated", "unallocated", "communes", "eligible", "capped",
          "top10_share", "per_capita_min", "per_capita_median", "per_capita_max", "gini"]


def workbook(datas: Sequence[dict[str, Any]]) -> bytes:
    """The ``.xlsx`` bytes of one simulation, or of every value of a sweep."""
    book = Workbook()
    sweep = "vary" in datas[0]
    lead = ["value"] if sweep else []
    if sweep:
        _sheet(book.active, "sweep", SWEEP_COLUMNS, sweep_rows(datas))
    sheets: dict[str, tuple[list[str], list[list[Any]]]] = {
        "communes": (COMMUNE_COLUMNS, []), "totals": (["total", "base", "variant",
                                                       "difference"], []),
        "regions": (["region", *GROUP_COLUMNS], []),
        "provinces": (["region", "province", *GROUP_COLUMNS], []),
        "parameters": (["path", "base", "variant"], [])}
    for data in datas:
        head = [data["vary"]["value"]] if sweep else []
        parts = {"communes": commune_rows(data), "totals": _totals(data),
                 "regions": _groups(data["totals"]["by_region"], ["region"]),
                 "provinces": _groups(data["totals"]["by_province"], ["region", "province"]),
                 "parameters": [[p["path"], p["base"], p["variant"]]
                                for p in data["parameters"]]}
        for name, rows in parts.items():
            sheets[name][1].extend([*head, *row] for row in rows)
    for number, (name, (columns, rows)) in enumerate(sheets.items()):
        sheet = book.active if number == 0 and not sweep else book.create_sheet()
        _sheet(sheet, name, [*lead, *columns], rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _totals(data: dict[str, Any]) -> list[list[Any]]:
    base, variant = _flat(data["totals"]["base"]), _flat(data["totals"]["variant"])
    return [[key, base[key], variant[key], _minus(variant[key], base[key])] for key in TOTALS]


def _flat(side: dict[str, Any]) -> dict[str, Any]:
    capita = {f"per_capita_{k}": v for k, v in side["per_capita"].items()}
    return {k: v for k, v in side.items() if k not in ("per_capita", "windows")} | capita


def _minus(after: Any, before: Any) -> Any:
    return None if after is None or before is None else after - before


def _groups(groups: list[dict[str, Any]], keys: list[str]) -> list[list[Any]]:
    return [[g[k] for k in [*keys, *GROUP_COLUMNS]] for g in groups]


def _sheet(sheet: Worksheet, title: str, columns: Sequence[str],
           rows: Sequence[Sequence[Any]]) -> None:
    sheet.title = title
    sheet.append(list(columns))
    for row in rows:
        sheet.append(list(row))
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            cell.number_format = _format(cell.value)
    for index, name in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, min(40, len(name) + 4))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _format(value: Any) -> str:
    """Whole MAD with grouping; a decimal with as many places as it was rounded to."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return "General"
    if isinstance(value, int):
        return "#,##0"
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0." + "0" * places if places else "#,##0"
