"""A dead letter replayed once its cause is fixed is judged again (docs/events.md dead
letters; ``pac-grants dlq replay``), also when the cause was the cycle's approval.

An assessment held for a commune not registered yet, released into an approved cycle,
is dead-lettered ``cycle_closed`` (docs/events.md "Order of checks"). After a
``CycleReopened`` decision, replaying that dead letter should let the assessment count,
as replaying any other refused message does; today the replay is taken for a
redelivery (its event id was recorded when it was held) and the commune never gets its
grant.
"""

from __future__ import annotations

from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, opened

A, B = "09.001.01.01", "09.001.01.02"


def test_a_released_assessment_refused_by_the_approval_counts_when_replayed_after_reopening(
        ) -> None:
    feed = Feed()
    feed.send("communes", commune(A))
    feed.send("cycles", opened(10_000_000))
    held = assessment(B)
    feed.send("assessments", assessment(A), held)  # B is not registered: held
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-06-30"))
    feed.send("communes", commune(B, 200_000))  # released into the approved cycle
    assert feed.rejected == ["cycle_closed"]
    feed.send("cycles", cycle_event("CycleReopened", cycle=2021, reopened_on="2022-07-01",
                                    decision_ref="D-12", reason="B registered late"))
    feed.send("assessments", held)  # `dlq replay` sends the dead letter's original message
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-07-15"))
    assert feed.rejected == ["cycle_closed"]
    assert feed.allocated(2021).get(B, 0) > 0, "the replayed assessment did not count"
