"""The read side's parse caches grow with the state, not with the run (docs/reliability.md,
finding 11): one parsed assessment per (cycle, commune), one commune per code, each
replaced when the stored value changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pac_grants import readside
from pac_grants.ledger import AssessmentRow, StoredCommune
from tests.unit import events_fixtures as ev

A, B = "09.001.01.01", "09.001.01.02"


@pytest.fixture(autouse=True)
def empty_caches() -> Iterator[None]:
    readside._ASSESSMENTS.clear()
    readside._COMMUNES.clear()
    yield
    readside._ASSESSMENTS.clear()
    readside._COMMUNES.clear()


def row(code: str, revision: int, cycle: int = 2021) -> AssessmentRow:
    event_id = f"00000000-0000-4000-8000-{cycle:04d}{revision:04d}{code[-2:]}00"
    payload = ev.raw(ev.assessment(event_id=event_id, commune_code=code, revision=revision,
                                   cycle=cycle))
    return AssessmentRow(cycle=cycle, commune_code=code, revision=revision,
                         event_id=event_id, digest=f"sha256:{revision}", status="counted",
                         payload=payload.decode("utf-8"), source_topic="pac.assessments.v1",
                         source_partition=0, source_offset=revision)


def stored(code: str, population: int) -> StoredCommune:
    payload = ev.raw(ev.commune(code=code, population={"2014": population, "2024": population}))
    return StoredCommune(code=code, event_id=f"e-{population}", payload=payload.decode(),
                         digest=f"sha256:{population}")


def test_a_thousand_revisions_of_two_communes_keep_two_assessments() -> None:
    for revision in range(1, 501):
        for code in (A, B):
            parsed = readside.assessment(row(code, revision))
            assert (parsed.commune_code, parsed.revision) == (code, revision)
    assert len(readside._ASSESSMENTS) == 2
    readside.assessment(row(A, 1, cycle=2022))
    assert len(readside._ASSESSMENTS) == 3


def test_the_same_row_is_parsed_once() -> None:
    first = readside.assessment(row(A, 1))
    assert readside.assessment(row(A, 1)) is first
    assert readside.assessment(row(A, 2)) is not first


def test_a_commune_updated_many_times_is_kept_once_at_its_latest_data() -> None:
    for population in range(300_000, 300_100):
        assert readside.commune(stored(A, population)).population[2014] == population
    assert len(readside._COMMUNES) == 1
    latest = readside.commune(stored(A, 300_099))
    assert readside.commune(stored(A, 300_099)) is latest
