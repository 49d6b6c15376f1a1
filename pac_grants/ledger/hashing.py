"""The hash chain (docs/ledger.md s8.3).

Each transaction stores ``prev_hash`` (the hash of the transaction before it in
``sequence`` order; :data:`GENESIS` for the first) and ``hash`` = sha256 over the
canonical JSON of everything it stores (postings included) and ``prev_hash``. Changing a
stored amount, reason or date breaks that transaction's hash; deleting or reordering
transactions breaks the next one's ``prev_hash``. The same function serves writing,
``verify`` and an auditor reading an export.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "sha256:" + "0" * 64


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text kept as is: one byte string per value."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def utc_iso(moment: datetime) -> str:
    """A timestamp as stored: UTC, microseconds (SQLite gives it back without a zone)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def transaction_hash(
    row: Mapping[str, Any], postings: Iterable[tuple[str, int]], prev_hash: str
) -> str:
    """The hash of one transaction; ``row`` has the columns of ``ledger_transactions``."""
    content = {
        "id": row["id"],
        "sequence": int(row["sequence"]),
        "kind": row["kind"],
        "cycle": int(row["cycle"]),
        "window": row["window"],
        "cause_event_ids": list(row["cause_event_ids"]),
        "ruleset_id": row["ruleset_id"],
        "ruleset_digest": row["ruleset_digest"],
        "inputs_digest": row["inputs_digest"],
        "effective_date": _date_iso(row["effective_date"]),
        "reason": row["reason"],
        "details": row["details"],
        "written_at": utc_iso(row["written_at"]),
        "postings": [[account, int(amount)] for account, amount in postings],
        "prev_hash": prev_hash,
    }
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    return "sha256:" + digest


def _date_iso(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()

