"""Validation of transaction specs before anything is written (docs/ledger.md s8.2)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from pac_grants.ledger import (
    EmptyTransaction,
    InvalidAccount,
    InvalidTransaction,
    Posting,
    TransactionSpec,
    UnbalancedTransaction,
)
from pac_grants.ledger.posting import AccountParts, parse_account, validate


def make(postings: tuple[Posting, ...], **changes: Any) -> TransactionSpec:
    fields: dict[str, Any] = {
        "key": "disbursement:2021:TGR-1", "kind": "disbursement", "cycle": 2021,
        "window": None, "postings": postings, "cause_event_ids": ("e1",),
        "ruleset_id": None, "ruleset_digest": None, "inputs_digest": None,
        "effective_date": date(2022, 6, 30), "reason": "paid",
    }
    return TransactionSpec(**{**fields, **changes})


PAY = (Posting("payable:2021:09.001.01.01", -450), Posting("paid:2021:09.001.01.01", 450))


def test_a_balanced_spec_is_valid() -> None:
    validate(make(PAY, details={"eligible": 97, "notes": ["é", None, True]}))


@pytest.mark.parametrize(
    ("postings", "changes", "error", "words"),
    [
        ((), {}, EmptyTransaction, "at least one posting"),
        (PAY[:1], {}, UnbalancedTransaction, "sum to -450 centimes"),
        ((Posting("payable:2021:X", 1.5), Posting("paid:2021:X", -1.5)), {},  # type: ignore[arg-type]
         InvalidTransaction, "integer centimes"),
        ((Posting("payable:2021:X", True), Posting("paid:2021:X", -1)), {},
         InvalidTransaction, "integer centimes"),
        ((Posting("payable:2022:X", 1), Posting("paid:2022:X", -1)), {},
         InvalidAccount, "not of cycle 2021"),
        ((Posting("cash:2021:X", 1), Posting("paid:2021:X", -1)), {},
         InvalidAccount, "kind:cycle:name"),
        (PAY, {"kind": "refund"}, InvalidTransaction, "kind 'refund'"),
        (PAY, {"key": ""}, InvalidTransaction, "1 to 255 characters"),
        (PAY, {"effective_date": datetime(2022, 6, 30)}, InvalidTransaction, "not a datetime"),
        (PAY, {"details": {"share": 0.5}}, InvalidTransaction, "not float"),
        (PAY, {"details": {1: "x"}}, InvalidTransaction, "string keys"),
    ],
)
def test_invalid_specs_are_refused(
    postings: tuple[Posting, ...], changes: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        validate(make(postings, **changes))


def test_account_names_are_parsed_into_columns() -> None:
    assert parse_account("funding:2021:grandes_communes") == AccountParts(
        "funding:2021:grandes_communes", "funding", 2021, "grandes_communes", None
    )
    assert parse_account("paid:2021:09.001.01.01").commune_code == "09.001.01.01"
    for bad in ("payable:21x:A", "pool:2021:", "pool:2021", "payable"):
        with pytest.raises(InvalidAccount):
            parse_account(bad)
