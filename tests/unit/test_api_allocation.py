"""The allocation table and explanation over a cycle recomputed from the pipeline's
input state (docs/rules.md s3-4, s7), on a ledger filled by the pipeline's batch handler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.decode import parse_json
from models.events import AssessmentSubmitted, CommuneRegistered
from pac_grants import money
from pac_grants.api import create_app
from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.explain import explain
from pac_grants.rules.ruleset import packaged_ruleset
from tests.ledger_support import latest_result
from tests.unit import events_fixtures as ev
from tests.unit.api_fixtures import AUTH, settings
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, opened, paid

A, B, C = "09.001.01.01", "09.001.01.02", "09.001.01.03"


COMMUNES = [commune(A, name_ar="أكادير"), commune(B, 200_000), commune(C, 150_000)]
ASSESSMENTS = [assessment(A), assessment(B),
               assessment(C, conditions={f"MMC{n}": n != 3 for n in range(1, 8)})]


def offline() -> CycleResult:
    """The engine over the events the feed sent (the oracle, independent of the API)."""
    ruleset = packaged_ruleset(2021)
    assert ruleset is not None
    communes = [CommuneRegistered.model_validate(c).to_domain() for c in COMMUNES]
    counting = {a["commune_code"]: AssessmentSubmitted.model_validate(
        parse_json(ev.raw(a))).to_domain() for a in ASSESSMENTS}
    return compute_cycle(ruleset, communes, counting, {"standard": 10_000_000})


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[Feed]:
    feed = Feed(f"sqlite:///{tmp_path / 'ledger.db'}")
    feed.send("communes", *COMMUNES)
    feed.send("cycles", opened(10_000_000))
    feed.send("assessments", *ASSESSMENTS)
    yield feed
    feed.ledger.dispose()


def client(feed: Feed) -> TestClient:
    url = feed.ledger.engine.url.render_as_string(hide_password=False)
    return TestClient(create_app(settings(url), feed.ledger))


def get(client: TestClient, path: str, status: int = 200) -> Any:
    response = client.get("/api/v1" + path, headers=AUTH)
    assert response.status_code == status, response.text
    return response.json()


def rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for w in body["windows"] for r in w["communes"]}


def test_an_open_cycle_is_provisional_and_not_in_the_ledger(feed: Feed) -> None:
    body = get(client(feed), "/cycles/2021/allocation")
    assert (body["source"], body["status"]) == ("recomputed", "provisional")
    table = rows(body)
    assert table[A]["amount"] != "0.00" and table[A]["ledger_allocated"] == "0.00"
    assert (table[C]["eligible"], table[C]["failed_conditions"]) == (False, ["MMC3"])


def test_a_closed_cycle_equals_the_ledger_and_the_engine(feed: Feed) -> None:
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    feed.send("disbursements", paid(A, "1000.50", "TGR-1"))
    body = get(client(feed), "/cycles/2021/allocation")
    assert body["status"] == "final"
    allocated = feed.allocated(2021)
    table = rows(body)
    assert {code: r["amount"] for code, r in table.items()} == {
        code: money.text(allocated.get(code, 0) * 100) for code in (A, B, C)}
    assert all(r["amount"] == r["ledger_allocated"] for r in table.values())
    assert table[A]["paid"] == "1000.50"
    assert table[A]["name_ar"] == "أكادير" and table[A]["region"] == "Souss-Massa"
    [window] = body["windows"]
    assert window["allocated"] == money.text(sum(allocated.values()) * 100)
    stored = latest_result(feed.ledger, 2021, "standard")  # what the worker published
    assert stored is not None and stored.status == "final"
    assert body["inputs_digest"] == stored.inputs_digest == offline().inputs_digest
    assert {r["code"]: r["amount"] for r in stored.result["communes"]} == {
        code: int(r["amount"][:-3]) for code, r in table.items()}


def test_the_explanation_is_rules_s7_over_the_recomputed_cycle(feed: Feed) -> None:
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    api = client(feed)
    body = get(api, f"/cycles/2021/communes/{A}/explanation")
    expected = explain(offline(), A)
    assert expected is not None
    assert body["amount"] == money.mad_text(expected["amount"])
    assert body["amount"] == money.mad_text(feed.allocated(2021)[A])
    assert body["formula"]["pool"] == "10000000.00"
    for key in ("conditions", "indicators", "score", "reasons", "summary", "assessment",
                "ruleset", "inputs_digest", "population"):
        assert body[key] == expected[key], key
    assert [i["id"] for i in body["indicators"]] == list(ev.INDICATORS_2021)
    refused = get(api, f"/cycles/2021/communes/{C}/explanation")
    assert (refused["eligible"], refused["amount"], refused["failed_conditions"]) == (
        False, "0.00", ["MMC3"])
    assert get(api, "/cycles/2021/communes/00.000.00.00/explanation", 404) == {
        "detail": "commune 00.000.00.00 is not registered for cycle 2021"}
