"""Co-financed pools (docs/events.md s4.1-4.2, docs/ledger.md s3, docs/rules.md s8.4): a
window's pool may name its financiers; the envelope then debits one funding account per
financier, and a pool change posts each financier's difference.
"""

from __future__ import annotations

from typing import Any

import pytest

from pac_grants import money
from tests.unit.streams_harness import Feed, commune, cycle_event
from tests.unit.treasury_support import (
    POPULATIONS,
    A,
    B,
    Books,
    C,
    assert_sound,
    assessed,
    closed,
    grants,
    opened,
    pool_adjusted,
    refusal,
)

PARTS = {"world_bank": 800_000_000, "afd": 300_000_000, "state": 200_000_000}
FINANCED: dict[str, Any] = {"total": 1_300_000_000, "financiers": PARTS}
POOLS_2024 = {"standard": FINANCED, "grandes_communes": 500_000_000}


def envelopes(feed: Feed) -> list[list[tuple[str, int]]]:
    return [sorted((p["account"], p["amount"]) for p in tx["postings"])
            for tx in Books.of(feed).kind("envelope")]


def funding(feed: Feed, cycle: int = 2024) -> dict[str, int]:
    """Funding accounts of the cycle -> what they gave (MAD)."""
    return {account: -amount // 100 for account, amount in Books.of(feed).balances().items()
            if account.startswith(f"funding:{cycle}:") and amount}


def opened_2024(feed: Feed) -> None:
    feed.send("cycles", opened(2024, POOLS_2024))
    assert feed.rejected == []


def test_a_co_financed_pool_debits_one_funding_account_per_financier() -> None:
    feed = Feed()
    opened_2024(feed)
    c = money.centimes
    assert sorted(envelopes(feed)) == sorted([
        [("funding:2024:standard:afd", -c(300_000_000)),
         ("funding:2024:standard:state", -c(200_000_000)),
         ("funding:2024:standard:world_bank", -c(800_000_000)),
         ("pool:2024:standard", c(1_300_000_000))],
        [("funding:2024:grandes_communes", -c(500_000_000)),
         ("pool:2024:grandes_communes", c(500_000_000))]])
    with feed.ledger.reader() as reader:
        row = reader.state.cycle(2024)
    assert row is not None
    assert row.pools == {"standard": 1_300_000_000, "grandes_communes": 500_000_000}
    assert row.financiers == {"standard": PARTS}
    assert_sound(feed)


def test_the_allocation_shares_the_whole_co_financed_total() -> None:
    feed = Feed()
    feed.send("communes", *(commune(code, POPULATIONS[code]) for code in (A, B, C)))
    feed.send("cycles", opened(2024, {"standard": {"total": 10_000_000, "financiers": {
        "world_bank": 6_000_000, "state": 4_000_000}}, "grandes_communes": 1_000_000}))
    feed.send("assessments", *(assessed(code, 2024) for code in (A, B, C)))
    feed.send("cycles", closed(2024, "2025-06-30"))
    assert feed.rejected == []
    assert sum(grants(feed, 2024).values()) == money.centimes(10_000_000)


@pytest.mark.parametrize(("pool", "code"), [
    ({"total": 1_000, "financiers": {"world_bank": 600, "afd": 300}}, "invalid_value"),
    ({"total": 1_000, "financiers": {"world_bank": 600, "afd": 500}}, "invalid_value"),
    ({"total": 1_000, "financiers": {}}, "schema_violation"),
    ({"total": 1_000}, "schema_violation"),
    ({"total": 1_000, "financiers": {"World Bank": 1_000}}, "schema_violation"),
])
def test_financiers_that_do_not_make_the_total_are_refused(pool: dict[str, Any],
                                                           code: str) -> None:
    feed = Feed()
    feed.send("cycles", opened(2024, {"standard": pool, "grandes_communes": 500}))
    assert feed.rejected == [code]
    assert Books.of(feed).transactions == []
    if code == "invalid_value":
        assert "1000" in refusal(feed)[1]  # the total the parts should make


def test_a_pool_change_posts_each_financiers_difference() -> None:
    feed = Feed()
    opened_2024(feed)
    more_afd = {"total": 1_400_000_000, "financiers": PARTS | {
        "afd": 400_000_000}}
    feed.send("cycles", pool_adjusted(more_afd, 2024))
    assert envelopes(feed)[-1] == [("funding:2024:standard:afd", -money.centimes(100_000_000)),
                                   ("pool:2024:standard", money.centimes(100_000_000))]
    feed.send("cycles", pool_adjusted(more_afd, 2024))  # unchanged: nothing to post
    assert len(envelopes(feed)) == 3
    feed.send("cycles", pool_adjusted(1_000_000_000, 2024))  # no financiers any more
    assert funding(feed) == {"funding:2024:standard": 1_000_000_000,
                             "funding:2024:grandes_communes": 500_000_000}
    feed.send("cycles", pool_adjusted({"total": 500_000_000, "financiers": {
        "state": 500_000_000}}, 2024, "grandes_communes"))
    assert funding(feed) == {"funding:2024:standard": 1_000_000_000,
                             "funding:2024:grandes_communes:state": 500_000_000}
    with feed.ledger.reader() as reader:
        row = reader.state.cycle(2024)
    assert row is not None and row.financiers == {"grandes_communes": {"state": 500_000_000}}
    assert Books.of(feed).balance("pool:2024:standard") == money.centimes(1_000_000_000)
    assert feed.rejected == []
    assert_sound(feed)


def test_a_pool_change_whose_parts_miss_the_total_is_refused() -> None:
    feed = Feed()
    opened_2024(feed)
    feed.send("cycles", cycle_event("PoolAdjusted", cycle=2024, window="standard", pool_mad={
        "total": 1_400_000_000, "financiers": {"world_bank": 800_000_000}}))
    assert feed.rejected == ["invalid_value"] and len(envelopes(feed)) == 2
