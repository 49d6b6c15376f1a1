"""The complaints register (docs/cli.md "ledger complaints"), over what the batch handler
stored: complaints lodged, decided, open, a late one (a dead letter, counted, never
listed), through the ledger's reader, ``pac-grants ledger complaints`` and the API.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from pac_grants.api import create_app
from pac_grants.cli import main
from pac_grants.ledger.complaints import median
from tests.unit import events_fixtures as ev
from tests.unit.api_fixtures import AUTH, settings
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, fresh, opened
from tests.unit.test_lifecycle import A, B, C, decided, lodged, notified

LATE = lodged("REC-4", C, on="2022-05-17")


def fill(feed: Feed) -> None:
    """2019 opened, never notified; 2021 notified: REC-1 rejected after 18 days, REC-2
    upheld after 25, REC-3 open, REC-4 late (sent twice, as a replay would)."""
    feed.send("communes", commune(A), commune(B, 200_000), commune(C, 150_000))
    feed.send("cycles", opened(10_000_000), fresh(ev.cycle_opened(
        cycle=2019, ruleset_id="papc-2019", pools={"standard": 5_000_000})))
    feed.send("assessments", assessment(A), assessment(B), assessment(C))
    feed.send("cycles", notified())
    feed.send("complaints", lodged("REC-1", A, subjects=("A3", "MMC5")),
              lodged("REC-2", B, on="2022-05-03", subjects=("A3", "population")),
              lodged("REC-3", C, on="2022-05-10", subjects=("B2",)), LATE, LATE)
    feed.send("complaints", decided("REC-1", "rejected", A, on="2022-05-20"),
              decided("REC-2", "upheld", B, on="2022-05-28", revision=2))
    assert feed.rejected == ["complaint_late", "complaint_late"]


EXPECTED: dict[str, Any] = {
    "complaints": [
        {"complaint_id": "REC-1", "cycle": 2021, "commune_code": A, "lodged_on": "2022-05-02",
         "subjects": ["A3", "MMC5"], "status": "rejected", "decided_on": "2022-05-20",
         "days_to_decide": 18},
        {"complaint_id": "REC-2", "cycle": 2021, "commune_code": B, "lodged_on": "2022-05-03",
         "subjects": ["A3", "population"], "status": "upheld", "decided_on": "2022-05-28",
         "days_to_decide": 25},
        {"complaint_id": "REC-3", "cycle": 2021, "commune_code": C, "lodged_on": "2022-05-10",
         "subjects": ["B2"], "status": "open", "decided_on": None, "days_to_decide": None},
    ],
    "cycles": [
        {"cycle": 2019, "state": "open", "notified_on": None, "complaint_deadline": None,
         "lodged": 0, "decided": 0, "upheld": 0, "rejected": 0, "open": 0, "late": 0,
         "median_days_to_decide": None, "max_days_to_decide": None, "subjects": []},
        {"cycle": 2021, "state": "notified", "notified_on": "2022-04-15",
         "complaint_deadline": "2022-05-15", "lodged": 3, "decided": 2, "upheld": 1,
         "rejected": 1, "open": 1, "late": 1, "median_days_to_decide": 21.5,
         "max_days_to_decide": 25, "subjects": [
             {"subject": "A3", "lodged": 2, "upheld": 1, "rejected": 1, "open": 0, "late": 1},
             {"subject": "B2", "lodged": 1, "upheld": 0, "rejected": 0, "open": 1, "late": 0},
             {"subject": "MMC5", "lodged": 1, "upheld": 0, "rejected": 1, "open": 0, "late": 0},
             {"subject": "population", "lodged": 1, "upheld": 1, "rejected": 0, "open": 0,
              "late": 0}]},
    ],
}


@pytest.fixture
def feed(tmp_path: Path) -> Feed:
    filled = Feed(f"sqlite:///{tmp_path / 'ledger.db'}")
    fill(filled)
    return filled


def cli(feed: Feed, *args: str) -> tuple[int, str, str]:
    url = feed.ledger.engine.url.render_as_string(hide_password=False)
    done = CliRunner().invoke(main, ["ledger", "complaints", "--database-url", url, *args])
    return done.exit_code, done.stdout, done.stderr


def api(feed: Feed, query: str = "", status: int = 200) -> Any:
    url = feed.ledger.engine.url.render_as_string(hide_password=False)
    client = TestClient(create_app(settings(url), feed.ledger))
    response = client.get("/api/v1/complaints" + query, headers=AUTH)
    assert response.status_code == status, response.text
    return response.json()


def test_the_register_lists_complaints_and_counts_the_late_one(feed: Feed) -> None:
    assert feed.ledger.complaints().model_dump(mode="json") == EXPECTED
    one = feed.ledger.complaints(2021).model_dump(mode="json")
    assert one == {"complaints": EXPECTED["complaints"], "cycles": EXPECTED["cycles"][1:]}


def test_the_command_line_and_the_api_say_the_same(feed: Feed) -> None:
    code, out, _ = cli(feed, "--format", "json")
    assert code == 0 and json.loads(out) == EXPECTED == api(feed)
    code, out, _ = cli(feed, "--cycle", "2019", "--format", "json")
    assert json.loads(out) == api(feed, "?cycle=2019") == {
        "complaints": [], "cycles": EXPECTED["cycles"][:1]}


def test_csv_has_a_row_per_complaint_and_the_table_the_totals(feed: Feed) -> None:
    code, out, _ = cli(feed, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["complaint_id"] for r in rows] == ["REC-1", "REC-2", "REC-3"]
    assert rows[1] == {"cycle": "2021", "complaint_id": "REC-2", "commune_code": B,
                       "lodged_on": "2022-05-03", "subjects": "A3 population",
                       "status": "upheld", "decided_on": "2022-05-28", "days_to_decide": "25"}
    assert rows[2]["decided_on"] == rows[2]["days_to_decide"] == ""
    code, out, _ = cli(feed, "--cycle", "2021", "--format", "table")
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == [
        "cycle 2021 (notified, notified 2022-04-15, complaints until 2022-05-15)",
        "lodged 3, decided 2 (upheld 1, rejected 1), open 1, late 1; "
        "days to decide: median 21.5, max 25"]
    assert any(line.split() == ["A3", "2", "1", "1", "0", "1"] for line in lines)


def test_an_unknown_cycle_is_one_line_and_exit_2_or_404(feed: Feed) -> None:
    code, out, err = cli(feed, "--cycle", "2023")
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == ["Error: cycle 2023 was never opened (cycles: 2019, 2021)"]
    assert api(feed, "?cycle=2023", status=404) == {
        "detail": "cycle 2023 was never opened (cycles: 2019, 2021)"}


def test_a_late_complaint_accepted_after_an_extension_is_no_longer_late(feed: Feed) -> None:
    feed.send("cycles", notified(complaint_deadline="2022-05-31"))
    feed.send("complaints", LATE)  # the replay, once the deadline was extended
    register = feed.ledger.complaints(2021)
    assert [c.complaint_id for c in register.complaints] == ["REC-1", "REC-2", "REC-3", "REC-4"]
    totals = register.cycles[0]
    assert (totals.lodged, totals.open, totals.late) == (4, 2, 0)
    assert totals.complaint_deadline is not None and str(totals.complaint_deadline) == "2022-05-31"


def test_an_approved_cycle_keeps_its_register(feed: Feed) -> None:
    feed.send("complaints", decided("REC-3", "rejected", C, on="2022-06-01"))
    correction = assessment(B, revision=2)
    feed.send("assessments", correction)
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021, closed_on="2022-06-30"))
    totals = feed.ledger.complaints(2021).cycles[0]
    assert feed.rejected == ["complaint_late", "complaint_late"]
    assert (totals.state, totals.open, totals.decided, totals.median_days_to_decide) == (
        "approved", 0, 3, 22)


def test_a_ledger_without_pipeline_state_has_an_empty_register(tmp_path: Path) -> None:
    feed = Feed(f"sqlite:///{tmp_path / 'empty.db'}")
    assert feed.ledger.complaints().model_dump(mode="json") == {"complaints": [], "cycles": []}
    code, out, _ = cli(feed, "--format", "table")
    assert (code, out) == (0, "no cycle\n")


@pytest.mark.parametrize(("days", "middle"), [([], None), ([7], 7), ([3, 8], 5.5),
                                               ([4, 8], 6), ([1, 2, 30], 2)])
def test_median_days(days: list[int], middle: float | None) -> None:
    assert median(days) == middle
    assert type(median(days)) is type(middle)
