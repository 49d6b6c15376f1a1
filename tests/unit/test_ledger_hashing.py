"""The hash chain's hash (docs/ledger.md s8.3) and money formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pac_grants import money
from pac_grants.ledger.hashing import GENESIS, canonical_json, transaction_hash

ROW: dict[str, Any] = {
    "id": "allocation:2021:standard", "sequence": 7, "kind": "allocation", "cycle": 2021,
    "window": "standard", "cause_event_ids": ["e1"], "ruleset_id": "papc-2021",
    "ruleset_digest": "sha256:ab", "inputs_digest": "sha256:cd",
    "effective_date": date(2021, 6, 1), "reason": "Clôture du cycle — الإغلاق",
    "details": {"eligible": 97}, "written_at": datetime(2026, 11, 29, 6, 0, 0, 123456, UTC),
}
POSTINGS = [("pool:2021:standard", -100), ("payable:2021:09.001.01.01", 100)]


def test_the_hash_is_deterministic_and_covers_every_field() -> None:
    base = transaction_hash(ROW, POSTINGS, GENESIS)
    assert base.startswith("sha256:") and len(base) == 71
    assert transaction_hash(dict(ROW), list(POSTINGS), GENESIS) == base
    for field, other in [("sequence", 8), ("reason", "x"), ("details", {"eligible": 96}),
                         ("effective_date", date(2021, 6, 2)), ("cause_event_ids", ["e2"]),
                         ("written_at", ROW["written_at"] + timedelta(microseconds=1))]:
        assert transaction_hash({**ROW, field: other}, POSTINGS, GENESIS) != base, field
    assert transaction_hash(ROW, [("pool:2021:standard", -101), POSTINGS[1]], GENESIS) != base
    assert transaction_hash(ROW, POSTINGS, "sha256:" + "1" * 64) != base


def test_the_hash_does_not_depend_on_how_the_database_returns_timestamps() -> None:
    moment = ROW["written_at"]
    naive = moment.replace(tzinfo=None)  # SQLite
    casablanca = moment.astimezone(timezone(timedelta(hours=1)))  # PostgreSQL session zone
    hashes = {transaction_hash({**ROW, "written_at": m}, POSTINGS, GENESIS)
              for m in (moment, naive, casablanca)}
    assert len(hashes) == 1


def test_canonical_json_keeps_arabic_and_sorts_keys() -> None:
    assert canonical_json({"b": 1, "a": "أكادير"}) == '{"a":"أكادير","b":1}'


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_money_strings_round_trip(centimes: int) -> None:
    text = money.text(centimes)
    assert money.parse(text) == centimes
    assert text.split(".")[1].__len__() == 2


def test_money_examples() -> None:
    assert (money.text(450000000), money.text(-5), money.text(0)) == ("4500000.00", "-0.05", "0.00")
