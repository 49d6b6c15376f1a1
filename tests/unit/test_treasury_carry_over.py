"""Unallocated money carried over to the next cycle (docs/rules.md s8.2, docs/ledger.md s3,
docs/events.md s4.1 and s4.4).

papc-2022 carries over. With a pool of 200,000,000 MAD its three communes are capped at
half their investment budget (42,500,000 MAD each): 72,500,000 MAD stay unallocated and
move to the same window of 2023, when 2022 is approved or, if 2023 is not open yet, when
it opens.
"""

from __future__ import annotations

import pytest

from pac_grants import money
from pac_grants.ledger import CycleRow
from tests.unit.streams_harness import Feed, commune, cycle_event
from tests.unit.treasury_support import (
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
    program,
    reapprove,
    ship,
    variant,
)

CAPPED = 3 * 42_500_000  # MAD: what 2022's three communes can take
UNALLOCATED = 200_000_000 - CAPPED
D = "09.001.01.04"  # 600,000 inhabitants: above 500,000


def cycle_row(feed: Feed, number: int) -> CycleRow:
    with feed.ledger.reader() as reader:
        row = reader.state.cycle(number)
    assert row is not None
    return row


def carried(feed: Feed) -> list[tuple[str, int, str, list[tuple[str, int]]]]:
    return [(tx["id"], tx["cycle"], tx["effective_date"],
             [(p["account"], p["amount"]) for p in tx["postings"]])
            for tx in Books.of(feed).kind("carry_over")]


def carry_2022(feed: Feed, on: str = "2023-06-30") -> None:
    program(feed, 200_000_000, cycle=2022)
    feed.send("cycles", closed(2022, on))
    assert sum(grants(feed, 2022).values()) == money.centimes(CAPPED)


def standard_move(on: str) -> tuple[str, int, str, list[tuple[str, int]]]:
    amount = money.centimes(UNALLOCATED)
    return ("carry_over:2022:standard", 2022, on, [("pool:2022:standard", -amount),
                                                   ("pool:2023:standard", amount)])


def test_an_open_next_cycle_receives_the_money_at_the_approval_and_shares_it() -> None:
    feed = Feed()
    program(feed, 10_000_000, cycle=2023, opened_on="2023-01-15")
    carry_2022(feed)
    assert carried(feed) == [standard_move("2023-06-30")]  # the later date: the approval
    assert cycle_row(feed, 2022).carried_out == {"standard": UNALLOCATED}
    assert cycle_row(feed, 2023).carried_in == {"standard": UNALLOCATED}
    feed.send("cycles", closed(2023, "2024-06-30"))
    assert sum(grants(feed, 2023).values()) == money.centimes(10_000_000 + UNALLOCATED)
    assert Books.of(feed).balance("pool:2023:standard") == 0
    summary = feed.ledger.summary(2022)[0].windows[0]
    assert (summary.carried_over, summary.unallocated) == (money.centimes(UNALLOCATED), 0)
    assert feed.rejected == []
    assert_sound(feed)


def test_a_next_cycle_opened_later_receives_it_when_it_opens() -> None:
    feed = Feed()
    carry_2022(feed)
    assert carried(feed) == [] and cycle_row(feed, 2022).carried_out == {
        "standard": UNALLOCATED}
    program(feed, 10_000_000, cycle=2023, opened_on="2023-08-01")
    assert carried(feed) == [standard_move("2023-08-01")]  # the later date: the opening
    assert cycle_row(feed, 2023).effective_pools == {"standard": 10_000_000 + UNALLOCATED}
    feed.send("cycles", closed(2023, "2024-06-30"))
    assert sum(grants(feed, 2023).values()) == money.centimes(10_000_000 + UNALLOCATED)
    assert_sound(feed)


def test_the_next_cycle_waits_for_the_approval_of_the_one_carrying_over() -> None:
    feed = Feed()
    program(feed, 200_000_000, cycle=2022)
    program(feed, 10_000_000, cycle=2023)
    feed.send("cycles", closed(2023, "2023-05-31"))
    assert feed.rejected == ["previous_cycle_open"]
    assert cycle_row(feed, 2023).approvals == 0 and grants(feed, 2023) == {}
    feed.send("cycles", closed(2022, "2023-06-30"), closed(2023, "2023-07-31"))
    assert feed.rejected == ["previous_cycle_open"]
    assert sum(grants(feed, 2023).values()) == money.centimes(10_000_000 + UNALLOCATED)


def test_a_re_approval_shares_the_pool_less_what_was_carried_and_carries_nothing_more(
) -> None:
    feed = Feed()
    program(feed, 10_000_000, cycle=2023)
    carry_2022(feed)
    reapprove(feed, pool_adjusted(210_000_000, cycle=2022), cycle=2022,
              reopened_on="2023-09-01", on="2023-09-30")
    assert len(carried(feed)) == 1
    assert cycle_row(feed, 2022).carried_out == {"standard": UNALLOCATED}
    assert cycle_row(feed, 2023).carried_in == {"standard": UNALLOCATED}
    # 210,000,000 - 72,500,000 = 137,500,000 shared; the caps take 127,500,000: the
    # 10,000,000 left stay on 2022's pool (returned), not carried.
    assert sum(grants(feed, 2022).values()) == money.centimes(CAPPED)
    assert Books.of(feed).balance("pool:2022:standard") == money.centimes(10_000_000)
    reapprove(feed, pool_adjusted(100_000_000, cycle=2022), cycle=2022,
              reopened_on="2023-10-01", on="2023-10-15")
    assert sum(grants(feed, 2022).values()) == money.centimes(100_000_000 - UNALLOCATED)
    assert len(carried(feed)) == 1
    assert_sound(feed)


def test_a_cycle_returning_its_money_carries_nothing() -> None:
    feed = Feed()
    program(feed, 10_000_000, cycle=2023)
    program(feed, 200_000_000, cycle=2021)  # papc-2021: unallocated money is returned
    feed.send("cycles", closed(2021, "2022-06-30"))
    assert carried(feed) == [] and cycle_row(feed, 2021).carried_out == {}
    assert Books.of(feed).balance("pool:2021:standard") > 0


# -- a window the next cycle lacks -------------------------------------------------------
TWO_WINDOWS = variant(2023, "test-2023", payment={"unallocated": "carry_over"},
                      extra_window="grandes_communes")
ONE_WINDOW = variant(2021, "test-2024", cycle=2024)  # the packaged papc-2024 has two


def two_windows(feed: Feed) -> None:
    """test-2023 opened with 200,000,000 MAD for A, B, C and 50,000,000 MAD for D, whose
    cap (42,500,000 MAD) leaves 7,500,000 MAD in its window."""
    feed.send("communes", *(commune(code, population) for code, population in
                            ((A, 300_000), (B, 200_000), (C, 150_000), (D, 600_000))))
    feed.send("cycles", opened(2023, {"standard": 200_000_000, "grandes_communes": 50_000_000},
                               "test-2023"))
    feed.send("assessments", *(assessed(code, 2023) for code in (A, B, C, D)))


def test_a_window_the_next_cycle_lacks_keeps_its_money(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ship(monkeypatch, TWO_WINDOWS, ONE_WINDOW)
    feed = Feed()
    feed.send("cycles", opened(2024, {"standard": 10_000_000}, "test-2024"))
    two_windows(feed)
    feed.send("cycles", closed(2023, "2024-06-30"))
    assert feed.rejected == []
    _only_standard_moved(feed)


def test_a_window_the_next_cycle_lacks_when_it_opens_keeps_its_money(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ship(monkeypatch, TWO_WINDOWS, ONE_WINDOW)
    feed = Feed()
    two_windows(feed)
    feed.send("cycles", closed(2023, "2024-06-30"))
    feed.send("cycles", opened(2024, {"standard": 10_000_000}, "test-2024"))
    assert feed.rejected == []
    _only_standard_moved(feed)


def _only_standard_moved(feed: Feed) -> None:
    """N's ``carried_out`` lists what was posted, and only that; a re-approval of N
    shares the whole pool of the window whose money stayed."""
    moves = carried(feed)
    assert [m[0] for m in moves] == ["carry_over:2023:standard"]
    assert cycle_row(feed, 2023).carried_out == {"standard": UNALLOCATED}
    assert cycle_row(feed, 2024).carried_in == {"standard": UNALLOCATED}
    assert Books.of(feed).balance("pool:2023:grandes_communes") == money.centimes(7_500_000)
    summaries = {w.window: w for w in feed.ledger.summary(2023)[0].windows}
    assert summaries["grandes_communes"].carried_over == 0
    assert summaries["grandes_communes"].unallocated == money.centimes(7_500_000)
    # D's budget rises to 100,000,000 MAD: its cap (50,000,000) now takes the whole pool.
    reapprove(feed, assessed(D, 2023, revision=2, investment_budget_mad=100_000_000),
              cycle=2023, reopened_on="2024-09-01", on="2024-09-30")
    assert grants(feed, 2023)[D] == money.centimes(50_000_000)
    assert Books.of(feed).balance("pool:2023:grandes_communes") == 0
    assert_sound(feed)


def test_money_waits_for_a_next_cycle_the_calculator_does_not_know_yet(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """2024 carries over while this calculator ships no ruleset for 2025; when one that
    does opens 2025, the money moves."""
    carrying = variant(2022, "test-2024", cycle=2024, payment={"unallocated": "carry_over"})
    later = variant(2021, "test-2025", cycle=2025)
    ship(monkeypatch, carrying)
    feed = Feed()
    program(feed, 200_000_000, cycle=2024, ruleset_id="test-2024")
    feed.send("cycles", closed(2024, "2025-06-30"))
    assert cycle_row(feed, 2024).carried_out == {"standard": UNALLOCATED}
    ship(monkeypatch, carrying, later)  # an upgrade ships the ruleset of 2025
    program(feed, 10_000_000, cycle=2025, ruleset_id="test-2025", opened_on="2025-08-01")
    assert feed.rejected == []
    amount = money.centimes(UNALLOCATED)
    assert carried(feed) == [("carry_over:2024:standard", 2024, "2025-08-01",
                              [("pool:2024:standard", -amount),
                               ("pool:2025:standard", amount)])]
    assert_sound(feed)


def test_an_already_approved_next_cycle_does_not_take_the_money() -> None:
    """2023 opened and approved before 2022 was even opened: 2023 holds, 2022's
    unallocated money is returned."""
    feed = Feed()
    program(feed, 10_000_000, cycle=2023, opened_on="2023-01-15")
    feed.send("cycles", closed(2023, "2023-06-30"))
    allocated_2023 = sum(grants(feed, 2023).values())
    carry_2022(feed, on="2023-07-15")
    assert carried(feed) == []
    assert cycle_row(feed, 2022).carried_out == {}
    assert sum(grants(feed, 2023).values()) == allocated_2023
    summary = feed.ledger.summary(2022)[0].windows[0]
    assert (summary.carried_over, summary.unallocated) == (0, money.centimes(UNALLOCATED))
    assert feed.rejected == []
    assert_sound(feed)


def test_a_closing_with_two_faults_gets_the_earlier_step_of_the_order_of_checks() -> None:
    """docs/events.md s10: the dates (step 6) come before the approval's own conditions
    (step 7): inside its complaint window, 2023 is refused for that, not for 2022."""
    feed = Feed()
    program(feed, 200_000_000, cycle=2022)
    program(feed, 10_000_000, cycle=2023)
    feed.send("cycles", cycle_event("ResultsNotified", cycle=2023, notified_on="2024-04-15",
                                    complaint_deadline="2024-05-15"))
    feed.send("cycles", closed(2023, "2024-05-01"))
    assert feed.rejected == ["complaint_window_open"]
    feed.send("cycles", closed(2023, "2024-06-30"))
    assert feed.rejected == ["complaint_window_open", "previous_cycle_open"]
