"""A cycle's life through the batch handler (docs/events.md s4, s6): notification,
complaints, approval, reopening, frozen reference data, business dates.

Each test feeds messages as the agents would and checks the dead-letter codes in the
order of docs/events.md "Order of checks", the ledger against the rules engine over the
inputs that count, and what the read side shows.
"""

from __future__ import annotations

import json
from typing import Any

from pac_grants import readside
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, fresh, opened, paid

A, B, C = "09.001.01.01", "09.001.01.02", "09.001.01.03"
NOTIFIED = {"notified_on": "2022-04-15", "complaint_deadline": "2022-05-15"}


def notified(**fields: Any) -> dict[str, Any]:
    return cycle_event("ResultsNotified", cycle=2021, **(NOTIFIED | fields))


def closed(on: str = "2022-06-30", **fields: Any) -> dict[str, Any]:
    return cycle_event("CycleClosed", cycle=2021, closed_on=on, **fields)


def reopened(on: str = "2022-09-01") -> dict[str, Any]:
    return cycle_event("CycleReopened", cycle=2021, reopened_on=on, decision_ref="D-7",
                       reason="late appeal REC-9 of B")


def lodged(complaint: str, code: str = A, on: str = "2022-05-02",
           subjects: tuple[str, ...] = ("A3",)) -> dict[str, Any]:
    return fresh(ev.event("ComplaintLodged", complaint_id=complaint, cycle=2021,
                          commune_code=code, lodged_on=on, subjects=list(subjects),
                          summary="recours"))


def decided(complaint: str, outcome: str, code: str = A, on: str = "2022-05-20",
            revision: int | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"complaint_id": complaint, "cycle": 2021, "commune_code": code,
                              "decided_on": on, "outcome": outcome}
    if revision is not None:
        fields["revision"] = revision
    return fresh(ev.event("ComplaintDecided", **fields))


def program(feed: Feed) -> None:
    """Three communes, cycle 2021 opened with 10,000,000 MAD and assessed."""
    feed.send("communes", commune(A), commune(B, 200_000), commune(C, 150_000))
    feed.send("cycles", opened(10_000_000))
    feed.send("assessments", assessment(A), assessment(B), assessment(C))


def state(feed: Feed, cycle: int = 2021) -> str:
    with feed.ledger.reader() as reader:
        row = reader.state.cycle(cycle)
        assert row is not None
        return str(row.state)


def published(feed: Feed) -> list[dict[str, Any]]:
    return [json.loads(v) for _i, topic, _k, v in feed.pending()
            if topic.endswith("allocations.v1")]


def test_notification_complaints_and_approval() -> None:
    feed = Feed()
    program(feed)
    feed.send("cycles", notified())
    assert state(feed) == "notified" and published(feed)[-1]["status"] == "notified"
    feed.send("complaints", lodged("REC-1"), lodged("REC-2", B, subjects=("MMC5", "population")))
    feed.send("complaints", lodged("REC-3", C, on="2022-05-16"))  # after the deadline
    feed.send("cycles", closed())  # REC-1 and REC-2 not decided
    feed.send("complaints", decided("REC-1", "rejected"), decided("REC-2", "upheld", B,
                                                                  revision=2))
    feed.send("cycles", closed())  # B's correcting revision 2 has not arrived
    correction = assessment(B, revision=2, indicators=ev.INDICATORS_2021 | {"A1": "0.95"})
    feed.send("assessments", correction)
    feed.send("cycles", closed())
    assert feed.rejected == ["complaint_late", "complaints_open", "complaints_open"]
    assert state(feed) == "approved" and published(feed)[-1]["status"] == "final"
    with feed.ledger.reader() as reader:
        inputs = readside.cycle_inputs(reader, 2021)
        assert inputs.assessments[B].revision == 2
        assert [c.complaint_id for c in reader.state.complaints(2021)] == ["REC-1", "REC-2"]
    assert feed.ledger.verify().ok


def test_the_dates_and_states_of_a_cycle_are_checked_in_order() -> None:
    feed = Feed()
    program(feed)
    feed.send("complaints", lodged("REC-0"))  # never notified
    feed.send("cycles", notified(complaint_deadline="2022-04-01"))  # deadline before notice
    feed.send("cycles", notified())
    feed.send("complaints", lodged("REC-1", on="2022-04-01"))  # before the notification
    feed.send("cycles", closed("2022-05-15"))  # on the deadline: the window is still open
    feed.send("cycles", notified(complaint_deadline="2022-05-31"))  # an extension
    feed.send("cycles", closed("2022-06-01", inputs_digest="sha256:" + "0" * 64))
    feed.send("cycles", cycle_event("CycleReopened", cycle=2021, reopened_on="2022-06-01",
                                    decision_ref="D", reason="r"))  # not approved
    feed.send("disbursements", paid(A, "10.00", "TGR-0"))  # not approved
    assert feed.rejected == ["cycle_not_notified", "invalid_value", "invalid_value",
                             "complaint_window_open", "inputs_changed", "cycle_not_closed",
                             "cycle_not_closed"]
    feed.send("cycles", closed("2022-06-01"))
    feed.send("disbursements", paid(A, "10.00", "TGR-1") | {"paid_on": "2022-05-31"})
    feed.send("cycles", reopened("2022-05-01"))  # before the approval
    feed.send("cycles", closed("2022-07-01"), notified())  # approved: no second approval
    assert feed.rejected[7:] == ["paid_before_approval", "invalid_value", "cycle_not_open",
                                 "cycle_not_open"]


def test_the_closing_may_name_the_results_it_approves() -> None:
    feed = Feed()
    program(feed)
    feed.send("cycles", notified())
    digest = published(feed)[-1]["inputs_digest"]
    feed.send("cycles", closed(inputs_digest=digest))
    assert feed.rejected == [] and state(feed) == "approved"


def test_an_approved_cycle_holds_until_a_decision_reopens_it() -> None:
    feed = Feed()
    program(feed)
    feed.send("cycles", closed())
    before = feed.allocated(2021)
    feed.send("communes", commune(B, 900_000))  # a reference correction after approval
    feed.send("assessments", assessment(A, revision=2, conditions={
        f"MMC{n}": n != 2 for n in range(1, 8)}))
    feed.send("assessments", assessment("09.001.01.04"))  # held: its commune is unknown
    feed.send("communes", commune("09.001.01.04"))  # released into the approved cycle
    feed.send("complaints", lodged("REC-1"))
    assert feed.rejected == ["cycle_closed", "cycle_closed", "cycle_closed"]
    assert feed.allocated(2021) == before
    with feed.ledger.reader() as reader:
        frozen = readside.cycle_inputs(reader, 2021)
        assert {c.code: c.population[2014] for c in frozen.communes}[B] == 200_000
    feed.send("cycles", reopened())
    with feed.ledger.reader() as reader:  # reopened: the current data counts again
        current = readside.cycle_inputs(reader, 2021)
        assert {c.code: c.population[2014] for c in current.communes}[B] == 900_000
    feed.send("cycles", closed("2022-09-30"))
    after = feed.allocated(2021)
    assert after != before and sum(after.values()) == sum(before.values()) == 10_000_000
    assert feed.ledger.verify().ok


def test_a_reopening_posts_exactly_the_differences_on_the_new_closing_date() -> None:
    feed = Feed()
    program(feed)
    feed.send("cycles", closed())
    feed.send("cycles", reopened())
    feed.send("cycles", closed("2022-09-30"))  # nothing changed: nothing to post
    with feed.ledger.reader() as reader:
        kinds = [e.kind for e in reader.postings.statement(A, 2021).entries]
        summary = reader.postings.summary(2021)[0]
    assert kinds[0] == "allocation" and set(kinds[1:]) == {"order"}  # no adjustment
    assert summary.status == "closed"
    assert feed.ledger.verify().ok


def test_business_dates_make_balances_as_of_a_date_true() -> None:
    feed = Feed()
    program(feed)
    feed.send("cycles", closed("2022-06-30"))
    feed.send("disbursements", paid(A, "1000.00", "TGR-1") | {"paid_on": "2022-07-15"})
    before = {b.code: b for b in feed.ledger.balances(2021, as_of=_day("2022-06-29"))}
    after = {b.code: b for b in feed.ledger.balances(2021, as_of=_day("2022-07-01"))}
    paid_later = {b.code: b for b in feed.ledger.balances(2021, as_of=_day("2022-07-31"))}
    assert before == {} or all(b.allocated == 0 for b in before.values())
    assert after[A].allocated > 0 and after[A].paid == 0
    assert paid_later[A].paid == 100_000


def _day(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)
