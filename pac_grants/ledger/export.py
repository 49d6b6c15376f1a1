"""Export of the ledger as CSV or JSON (docs/ledger.md "Reading it").

UTF-8 with French and Arabic commune names intact. The export carries every field the
hash covers, so an auditor can recompute the chain from the file alone
(:func:`pac_grants.ledger.hashing.transaction_hash`). Streamed: one pass, flat memory.

CSV: one row per posting (:data:`CSV_COLUMNS`), transaction fields repeated; a text cell
that a spreadsheet would run as a formula starts with an added ``'``
(:func:`pac_grants.cells.safe`: drop it to recompute the hash).
JSON: ``{"transactions": [{..., "postings": [{"account", "commune_code", "name_fr",
"name_ar", "amount"}]}]}``. Money is a decimal string with two decimals.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import groupby
from typing import Any, TextIO

from sqlalchemy import Connection, select

from models.ledger import COMMUNES
from pac_grants import cells, money
from pac_grants.ledger.hashing import canonical_json, utc_iso
from pac_grants.ledger.reading import ACCOUNTS, POSTINGS, TX

TX_FIELDS = (
    "sequence", "id", "kind", "cycle", "window", "effective_date", "written_at", "reason",
    "cause_event_ids", "ruleset_id", "ruleset_digest", "inputs_digest", "details",
    "prev_hash", "hash",
)
POSTING_FIELDS = ("position", "account", "commune_code", "name_fr", "name_ar", "amount")
CSV_COLUMNS = TX_FIELDS + POSTING_FIELDS


def rows(connection: Connection, cycle: int | None = None) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per posting, in ledger order."""
    query = (
        select(TX, POSTINGS.c.position, POSTINGS.c.account, POSTINGS.c.amount,
               ACCOUNTS.c.commune_code, COMMUNES.c.name_fr, COMMUNES.c.name_ar)
        .join(POSTINGS, POSTINGS.c.transaction_id == TX.c.id)
        .join(ACCOUNTS, ACCOUNTS.c.name == POSTINGS.c.account)
        .outerjoin(COMMUNES, COMMUNES.c.code == ACCOUNTS.c.commune_code)
        .order_by(TX.c.sequence, POSTINGS.c.position)
    )
    if cycle is not None:
        query = query.where(TX.c.cycle == cycle)
    for row in connection.execute(query.execution_options(yield_per=2000)).mappings():
        record = {name: row[name] for name in CSV_COLUMNS}
        record["effective_date"] = row["effective_date"].isoformat()
        record["written_at"] = utc_iso(row["written_at"])
        record["cause_event_ids"] = list(row["cause_event_ids"])
        record["amount"] = money.text(int(row["amount"]))
        yield record


def write_csv(connection: Connection, out: TextIO, cycle: int | None = None) -> int:
    """Write the CSV; JSON-valued columns (causes, details) hold canonical JSON text."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in rows(connection, cycle):
        record["cause_event_ids"] = canonical_json(record["cause_event_ids"])
        record["details"] = canonical_json(record["details"])
        writer.writerow(cells.safe_row(record))
        count += 1
    return count


def write_json(connection: Connection, out: TextIO, cycle: int | None = None) -> int:
    """Write ``{"transactions": [...]}`` one transaction at a time."""
    out.write('{"transactions": [')
    count = 0
    for _, group in groupby(rows(connection, cycle), key=lambda r: r["sequence"]):
        lines = list(group)
        transaction = {name: lines[0][name] for name in TX_FIELDS}
        transaction["postings"] = [{name: line[name] for name in POSTING_FIELDS} for line in lines]
        out.write(("\n" if count == 0 else ",\n") + json.dumps(transaction, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
