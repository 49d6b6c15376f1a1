"""Terminal tables and CSV for the ledger's read commands (JSON is ``to_json()``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from pac_grants.cells import safe
from pac_grants.ledger.statement import Statement
from pac_grants.ledger.views import CommuneBalance, CycleSummary


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns padded to their widest cell; numbers (and money) aligned right."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_numeric(row[i]) for row in cells[1:]) for i in range(len(headers))]
    lines = []
    for row in cells:
        columns = zip(row, widths, numeric, strict=True)
        padded = [c.rjust(w) if n else c.ljust(w) for c, w, n in columns]
        lines.append("  ".join(padded).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _numeric(text: str) -> bool:
    return text == "" or text.lstrip("-").replace(".", "", 1).isdigit()


def summary_table(cycles: Sequence[CycleSummary]) -> str:
    headers = ("cycle", "status", "window", "pool", "allocated", "unallocated", "paid", "eligible")
    rows = [
        (c.cycle, c.status, *(w.to_json()[k] for k in headers[2:]))
        for c in cycles
        for w in c.windows
    ]
    return table(headers, rows)


BALANCE_COLUMNS = ("code", "window", "allocated", "paid", "outstanding", "name_fr", "name_ar")


def balances_table(balances: Sequence[CommuneBalance]) -> str:
    return table(BALANCE_COLUMNS, [[b.to_json()[k] for k in BALANCE_COLUMNS] for b in balances])


def balances_csv(cycle: int, balances: Sequence[CommuneBalance]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("cycle", *BALANCE_COLUMNS))
    for balance in balances:
        record = balance.to_json()
        writer.writerow((cycle, *(safe(record[k]) for k in BALANCE_COLUMNS)))
    return out.getvalue()


def statement_table(statement: Statement) -> str:
    title = " ".join(x for x in (statement.code, statement.name_fr, statement.name_ar) if x)
    headers = ("seq", "cycle", "date", "kind", "allocated to date", "paid to date", "outstanding",
               "reason")
    rows = []
    for entry in statement.entries:
        record = entry.to_json()
        rows.append((
            entry.sequence, entry.cycle, record["effective_date"], entry.kind,
            record["balance"]["allocated"], record["balance"]["paid"],
            record["balance"]["outstanding"], entry.reason,
        ))
    return title + "\n" + table(headers, rows)
