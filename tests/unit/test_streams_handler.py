"""The batch handler (streams/handlers.py) on an in-memory SQLite ledger.

Each test feeds input messages as the agents would and checks the ledger against the
rules engine over the same final inputs (docs/ledger.md s5, consistent with the rules), the
dead-letter codes the pipeline decides (docs/events.md s9), and redelivery without effect.
"""

from __future__ import annotations

import json
from typing import Any

from models.decode import parse_json
from models.events import AssessmentSubmitted, CommuneRegistered
from pac_grants.rules.engine import compute_cycle
from pac_grants.rules.ruleset import packaged_ruleset
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import (
    Feed,
    assessment,
    commune,
    cycle_event,
    fresh,
    opened,
    paid,
)

A, B, C = "09.001.01.01", "09.001.01.02", "09.001.01.03"


def expected(communes: list[dict[str, Any]], assessments: list[dict[str, Any]],
             pool: int) -> dict[str, int]:
    """The engine over the final inputs: the amount of each commune (MAD, > 0 only)."""
    ruleset = packaged_ruleset(2021)
    assert ruleset is not None
    domain_communes = [CommuneRegistered.model_validate(c).to_domain() for c in communes]
    ordered = sorted(assessments, key=lambda a: a["revision"])
    counting = {a["commune_code"]: AssessmentSubmitted.model_validate(
        parse_json(ev.raw(a))).to_domain() for a in ordered}
    result = compute_cycle(ruleset, domain_communes, counting, {"standard": pool})
    return {c.code: c.amount for w in result.windows for c in w.communes if c.amount}


def test_approval_posts_the_engine_allocation_and_a_reopening_posts_the_differences() -> None:
    feed = Feed()
    communes = [commune(A), commune(B, 200_000), commune(C, 150_000)]
    feed.send("communes", *communes)
    feed.send("cycles", opened(10_000_000))
    first = [assessment(A), assessment(B), assessment(C, indicators=ev.INDICATORS_2021
                                                      | {"A1": "0.1", "B2": 0})]
    feed.send("assessments", *first)
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-06-30"))
    approved = expected(communes, first, 10_000_000)
    assert feed.allocated(2021) == approved
    appeal = assessment(B, revision=2, conditions={f"MMC{n}": n != 3 for n in range(1, 8)})
    pool = cycle_event("PoolAdjusted", cycle=2021, window="standard", pool_mad=12_000_000)
    feed.send("assessments", appeal)
    feed.send("cycles", pool)
    assert feed.rejected == ["cycle_closed", "cycle_closed"]  # approved: nothing moves
    assert feed.allocated(2021) == approved
    feed.send("cycles", cycle_event("CycleReopened", cycle=2021, reopened_on="2022-09-01",
                                    decision_ref="Décision n° 7", reason="appeal of B"))
    feed.send("assessments", fresh(appeal))
    feed.send("cycles", fresh(pool))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-10-15"))
    final = [first[0], appeal, first[2]]
    assert feed.allocated(2021) == expected(communes, final, 12_000_000)
    assert feed.allocated(2021).get(B) is None  # failed MMC3 on appeal: nothing
    with feed.ledger.reader() as conn:
        assert conn.postings.balance("pool:2021:standard") == 0
        kinds = [(e.kind, e.effective_date.isoformat())
                 for e in conn.postings.statement(A, 2021).entries]
    assert kinds[:2] == [("allocation", "2022-06-30"), ("order", "2022-06-30")]
    assert ("adjustment", "2022-10-15") in kinds
    assert feed.ledger.verify().ok
    assert feed.rejected == ["cycle_closed", "cycle_closed"]


def test_a_redelivered_batch_has_no_effect() -> None:
    feed = Feed()
    messages = [feed.message("communes", ev.raw(commune(A))),
                feed.message("communes", b"{not json")]
    feed.batch(messages)
    again = feed.batch(messages)  # same offsets: a crash before the offset commit
    assert again.skipped == 2
    assert feed.rejected == ["malformed_json"]
    assert len(feed.ledger.dead_letters()) == 1


def test_exact_duplicates_at_new_offsets_have_no_effect() -> None:
    feed = Feed()
    events = [commune(A), opened(), assessment(A), cycle_event("CycleClosed", cycle=2021),
              paid(A, "1000.50", "TGR-1")]
    topics = ["communes", "cycles", "assessments", "cycles", "disbursements"]
    for topic, event in zip(topics, events, strict=True):
        feed.send(topic, event)
    with feed.ledger.reader() as conn:
        paid_before = conn.postings.balance(f"paid:2021:{A}")
        allocated_before = conn.postings.allocated(2021)
    for topic, event in zip(topics, events, strict=True):
        outcome = feed.send(topic, event)
        assert outcome.duplicates == 1, topic
    with feed.ledger.reader() as conn:
        assert conn.postings.balance(f"paid:2021:{A}") == paid_before == 100_050
        assert conn.postings.allocated(2021) == allocated_before
    assert feed.rejected == []


def test_same_content_under_a_new_event_id_is_no_change() -> None:
    feed = Feed()
    feed.send("communes", commune(A))
    feed.send("cycles", opened())
    first = assessment(A)
    feed.send("assessments", first)
    outcome = feed.send("assessments", fresh(first))
    assert outcome.duplicates == 1 and feed.rejected == []


def test_held_assessment_counts_once_commune_and_cycle_are_known() -> None:
    feed = Feed()
    feed.send("assessments", assessment(A))
    feed.send("cycles", opened())
    with feed.ledger.reader() as conn:
        assert [(r.commune_code, r.revision) for r in conn.state.held([2021])] == [(A, 1)]
    published = [json.loads(v) for _i, _t, _k, v in feed.pending() if _t == "pac.allocations.v1"]
    assert published[-1]["held_assessments"][0]["commune_code"] == A
    feed.send("communes", commune(A))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    assert feed.allocated(2021) == {A: 10_000_000}


def indicators_2024(window_id: str) -> dict[str, Any]:
    """Valid values for every indicator of a window of papc-2024 (docs/rules.md s2)."""
    ruleset = packaged_ruleset(2024)
    assert ruleset is not None
    window = ruleset.window(window_id)
    assert window is not None
    values: dict[str, Any] = {}
    for indicator in window.indicators:
        kind = indicator.scoring.kind
        values[indicator.id] = (True if kind == "boolean" else 0 if kind == "points"
                                else str(indicator.scoring.high))
    return values


def test_held_assessment_invalid_for_its_window_is_dead_lettered_when_known() -> None:
    """A standard-window assessment of a commune that turns out to be a grande commune
    (2024 census > 500,000): valid for some window at decode, invalid for its own."""
    feed = Feed()
    ruleset = packaged_ruleset(2024)
    assert ruleset is not None
    held = assessment(A, cycle=2024, assessment_id=f"APA-2024-{A}",
                      conditions={c.id: True for c in ruleset.conditions},
                      indicators=indicators_2024("standard"))
    feed.send("assessments", held)
    feed.send("cycles", fresh(ev.cycle_opened(cycle=2024, ruleset_id="papc-2024", pools={
        "standard": 1_000_000, "grandes_communes": 2_000_000})))
    assert feed.rejected == []
    feed.send("communes", commune(A, 900_000))
    assert feed.rejected in (["unknown_indicator"], ["missing_indicator"])
    letter = feed.ledger.dead_letters()[0]
    assert (letter.source_topic, letter.offset, letter.key) == ("pac.assessments.v1", 0, A)
    assert json.loads(letter.raw_value)["event_id"] == held["event_id"]
    with feed.ledger.reader() as conn:
        assert conn.state.held([2024]) == []
        assert conn.state.counted(2024) == {}


def test_pipeline_dead_letter_codes() -> None:
    feed = Feed()
    feed.send("communes", commune(A), commune(B, 200_000))
    feed.send("cycles", opened(), opened())  # second CycleOpened: cycle_not_open
    feed.send("cycles", cycle_event("PoolAdjusted", cycle=2022, window="standard",
                                    pool_mad=5))  # unknown_cycle
    feed.send("disbursements", paid(A, "10.00", "TGR-early"))  # cycle_not_closed
    feed.send("assessments", assessment(A, revision=2), assessment(B))
    feed.send("assessments", assessment(A, revision=1))  # stale_revision
    feed.send("assessments", assessment(A, revision=2, assessor="Autre"))  # conflicting
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))  # cycle_not_open
    feed.send("disbursements", paid(C, "10.00", "TGR-c"))  # unknown_commune
    feed.send("disbursements", paid(A, "999999999.00", "TGR-big"))  # exceeds_outstanding
    feed.send("disbursements", paid(A, "10.00", "TGR-x", cycle=2023))  # unknown_cycle
    assert feed.rejected == [
        "cycle_not_open", "unknown_cycle", "cycle_not_closed", "stale_revision",
        "conflicting_revision", "cycle_not_open", "unknown_commune", "exceeds_outstanding",
        "unknown_cycle"]
    assert feed.ledger.verify().ok
    letters = {d.code for d in feed.ledger.dead_letters()}
    assert "exceeds_outstanding" in letters


def test_payments_up_to_the_outstanding_balance() -> None:
    feed = Feed()
    feed.send("communes", commune(A))
    feed.send("cycles", opened(1_000_000))
    feed.send("assessments", assessment(A))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    feed.send("disbursements", paid(A, "600000.00", "TGR-1"), paid(A, "400000.01", "TGR-2"),
              paid(A, "400000.00", "TGR-3"))
    assert feed.rejected == ["exceeds_outstanding"]
    with feed.ledger.reader() as conn:
        assert conn.postings.balance(f"payable:2021:{A}") == 0
        assert conn.postings.balance(f"paid:2021:{A}") == 100_000_000


def test_non_utf8_message_is_dead_lettered_in_base64() -> None:
    feed = Feed()
    feed.batch([feed.message("assessments", b"\xff\xfe{}", key=A)])
    letter = feed.ledger.dead_letters()[0]
    assert (letter.code, letter.encoding, letter.raw_value, letter.key) == (
        "malformed_json", "base64", "//57fQ==", A)
    record = json.loads(feed.pending()[0][3])
    assert record["encoding"] == "base64" and record["error"]["code"] == "malformed_json"
    assert set(record) == {"received_at", "source_topic", "partition", "offset", "key",
                           "raw_value", "encoding", "error"}


def test_a_cycle_closed_without_eligible_commune_reads_closed() -> None:
    feed = Feed()
    feed.send("communes", commune(A))
    feed.send("cycles", opened(1_000_000))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    with feed.ledger.reader() as conn:
        assert conn.postings.summary(2021)[0].status == "closed"
        assert conn.postings.balance("pool:2021:standard") == 100_000_000
    assert feed.allocated(2021) == {}
    assert feed.ledger.verify().ok


def test_dead_letters_of_hostile_bytes_fit_every_database() -> None:
    """A NUL (PostgreSQL text refuses it) goes base64; a key with NUL or bad UTF-8 is
    escaped; a value over 64 KiB is cut (docs/events.md s8.2) with its size."""
    feed = Feed()
    feed.batch([feed.message("communes", b'{"event_type": "a\x00b"}', key="k\x00"),
                feed.message("communes", b"x" * (1024 * 1024))])
    first, second = sorted(feed.ledger.dead_letters(), key=lambda d: d.offset)
    assert (first.encoding, first.key) == ("base64", "k\\x00")
    records = [json.loads(v) for _i, _t, _k, v in feed.pending()]
    big = next(r for r in records if r["error"]["code"] == "message_too_large")
    assert (len(big["raw_value"]), big["truncated"], big["size"]) == (65536, True, 1048576)
    assert len(second.raw_value) == 65536


def test_provisional_results_only_for_open_cycles() -> None:
    feed = Feed()
    feed.handler.defer_provisional = True
    feed.send("communes", commune(A))
    outcome = feed.send("cycles", opened(1_000_000))
    assert outcome.provisional == {2021}
    published = feed.handler.publish_provisional({2021})
    assert [a[:2] for a in published.allocations] == [(2021, "standard")]
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    assert feed.handler.publish_provisional({2021}).allocations == []  # final already
    statuses = [json.loads(v)["status"] for _i, topic, _k, v in feed.pending()
                if topic == "pac.allocations.v1"]
    assert statuses == ["provisional", "final"]
