"""A small ledger for the API's unit tests, written through the ledger's own API.

Cycle 2021, window ``standard``, pool 10,000,000.00 MAD: Agadir gets 6,000,000.00 at
closing, an appeal adjusts it by -250,000.00 and gives Salé 250,000.00 more, the treasury
pays Agadir 1,234,567.89; Tiznit is not eligible (stored allocation result).
Cycle 2022 only has its envelope. Two dead letters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from pac_grants.api import create_app
from pac_grants.ledger import Ledger, Posting, TransactionSpec
from pac_grants.settings import Settings
from tests.ledger_support import (
    post_many,
    record_allocation_result,
    record_dead_letter,
    upsert_communes,
)

TOKEN = "s3cret-token-for-tests-0123456789abcdef"  # at least 32 characters
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AGADIR, SALE, TIZNIT = "09.001.01.01", "04.441.01.01", "09.271.01.01"
COMMUNES = [
    {"code": AGADIR, "name_fr": "Agadir", "name_ar": "أكادير", "region": "Souss-Massa",
     "province": "Agadir-Ida-Ou-Tanane", "population_2014": 421844, "population_2024": 504768,
     "participating": True},
    {"code": SALE, "name_fr": "Salé", "name_ar": "سلا", "region": "Rabat-Salé-Kénitra",
     "province": "Salé", "population_2014": 890403, "population_2024": 924150,
     "participating": True},
    {"code": TIZNIT, "name_fr": "Tiznit", "name_ar": "تزنيت", "region": "Souss-Massa",
     "province": "Tiznit", "population_2014": 74699, "population_2024": 80000,
     "participating": True},
]
STORED = {"window": "standard", "pool": 10_000_000, "allocated": 9_000_000,
          "unallocated": 1_000_000, "communes": [
              {"code": SALE, "eligible": True, "reasons": [], "failed_conditions": [],
               "score": 81, "capped": True, "amount": 3_250_000},
              {"code": AGADIR, "eligible": True, "reasons": [], "failed_conditions": [],
               "score": 73, "capped": False, "amount": 5_750_000},
              {"code": TIZNIT, "eligible": False, "reasons": ["failed_conditions"],
               "failed_conditions": ["MMC3"], "score": None, "capped": False, "amount": 0}]}


def tx(key: str, kind: str, cycle: int, postings: dict[str, int], when: date,
       details: dict[str, int] | None = None) -> TransactionSpec:
    return TransactionSpec(
        key=key, kind=kind, cycle=cycle, window="standard",  # type: ignore[arg-type]
        postings=tuple(Posting(a, v) for a, v in postings.items()), cause_event_ids=("e1",),
        ruleset_id="papc-2021", ruleset_digest="sha256:abc", inputs_digest="sha256:def",
        effective_date=when, reason=f"reason of {key}", details=details or {},
    )


def fill(ledger: Ledger) -> None:
    ledger.upgrade()
    upsert_communes(ledger, COMMUNES)
    pool, payable, paid = "pool:2021:standard", "payable:2021:", "paid:2021:"
    post_many(ledger, [
        tx("envelope:2021:standard:e1", "envelope", 2021,
           {"funding:2021:standard": -1_000_000_000, pool: 1_000_000_000}, date(2022, 1, 10)),
        tx("allocation:2021:standard", "allocation", 2021,
           {pool: -900_000_000, payable + AGADIR: 600_000_000, payable + SALE: 300_000_000},
           date(2022, 3, 1), {"eligible": 2}),
        tx("adjustment:2021:standard:x", "adjustment", 2021,
           {payable + AGADIR: -25_000_000, payable + SALE: 25_000_000}, date(2022, 4, 1),
           {"eligible": 2}),
        tx("disbursement:2021:TGR-1", "disbursement", 2021,
           {payable + AGADIR: -123_456_789, paid + AGADIR: 123_456_789}, date(2022, 6, 30)),
        tx("envelope:2022:standard:e2", "envelope", 2022,
           {"funding:2022:standard": -500_000_000, "pool:2022:standard": 500_000_000},
           date(2023, 1, 10)),
    ])
    for offset, code in enumerate(("schema_violation", "unknown_commune")):
        record_dead_letter(ledger,
            received_at=datetime(2022, 3, 1, tzinfo=UTC), source_topic="pac.assessments.v1",
            partition=0, offset=offset, key=AGADIR, raw_value='{"bad": true}',
            encoding="utf-8", code=code, message=f"{code}: something a person can fix",
            details={"field": "cycle"})
    record_allocation_result(ledger,
        cycle=2021, window="standard", status="final", ruleset_id="papc-2021",
        ruleset_digest="sha256:abc", inputs_digest="sha256:def", result=STORED)


def settings(url: str) -> Settings:
    return Settings(database_url=url, api_token=SecretStr(TOKEN))


def client_for(tmp_path: Path, filled: bool = True) -> tuple[TestClient, Ledger]:
    """A client of the app over a read-only engine (as ``pac-grants api``), and a writable
    ledger on the same file for the test to add to."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = Ledger.from_url(url)
    if filled:
        fill(ledger)
    else:
        ledger.upgrade()
    app = create_app(settings(url), Ledger.from_url(url, read_only=True))
    return TestClient(app), ledger
