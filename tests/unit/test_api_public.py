"""Public results and reports (issue 12) over a ledger filled by the pipeline's batch
handler: cycle 2019 (``mmc_only``) and 2021 (performance) approved, 2022 open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pac_grants import money
from pac_grants.api import create_app
from pac_grants.api.public_results import ranks
from pac_grants.ledger import Ledger
from pac_grants.settings import Settings
from tests.unit import events_fixtures as ev
from tests.unit.api_fixtures import AUTH, TOKEN
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, fresh, opened

A, B, C = "09.001.01.01", "09.001.01.02", "09.001.01.03"
MMC_ALL = {f"MMC{n}": True for n in range(1, 8)}
MMC_NOT_3 = {f"MMC{n}": n != 3 for n in range(1, 8)}


def old(code: str, conditions: dict[str, bool]) -> dict[str, Any]:
    return assessment(code, cycle=2019, assessment_id=f"APA-2019-{code}", indicators={},
                      investment_budget_mad=None, conditions=conditions)


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[Feed]:
    feed = Feed(f"sqlite:///{tmp_path / 'ledger.db'}")
    feed.send("communes", commune(A, name_ar="أكادير"), commune(B, 200_000),
              commune(C, 150_000))
    feed.send("cycles", fresh(ev.cycle_opened(cycle=2019, ruleset_id="papc-2019",
                                              pools={"standard": 3_000_000})))
    feed.send("assessments", old(A, MMC_ALL), old(B, MMC_ALL), old(C, MMC_NOT_3))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2019))
    feed.send("cycles", opened(10_000_000))
    feed.send("assessments", assessment(A), assessment(B),
              assessment(C, conditions=MMC_NOT_3))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    feed.send("cycles", opened(5_000_000, cycle=2022))
    yield feed
    feed.ledger.dispose()


def client(feed: Feed, public: bool = True) -> TestClient:
    url = feed.ledger.engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, api_token=SecretStr(TOKEN), public_results=public)
    return TestClient(create_app(settings, Ledger.from_url(url, read_only=True)))


def test_ranks_share_ties() -> None:
    assert ranks([5, 3, 3, 1]) == [1, 2, 2, 4]
    assert ranks([0, 7, 0]) == [2, 1, 2]


def test_public_results_of_approved_cycles_only(feed: Feed) -> None:
    public = client(feed)
    assert public.get("/public/api/v1/cycles").json() == {"cycles": [
        {"cycle": 2019, "status": "approved"}, {"cycle": 2021, "status": "approved"}]}
    assert public.get("/public/api/v1/cycles/2022").status_code == 404
    page = public.get("/public?lang=ar")
    assert page.status_code == 200 and 'dir="rtl"' in page.text


def test_public_results_per_commune(feed: Feed) -> None:
    body = client(feed).get("/public/api/v1/cycles/2021").json()
    assert (body["status"], body["previous_cycle"]) == ("approved", 2019)
    [window] = body["windows"]
    rows = {r["code"]: r for r in window["communes"]}
    held = {code: amount for (_w, code), amount in feed.ledger.allocated(2021).items()}
    before = {code: amount for (_w, code), amount in feed.ledger.allocated(2019).items()}
    for code, row in rows.items():
        assert money.parse(row["grant"]) == held.get(code, 0)
        assert money.parse(row["change"]) == held.get(code, 0) - before.get(code, 0)
        assert set(row) == {"code", "name_fr", "name_ar", "region", "province",
                            "conditions_met", "conditions_total", "points_by_area", "score",
                            "rank", "grant", "per_capita", "change"}
    assert rows[C]["conditions_met"] == 6 and rows[C]["conditions_total"] == 7
    assert rows[C]["rank"] == 3 and rows[C]["grant"] == "0.00"
    assert sum(rows[A]["points_by_area"].values()) == rows[A]["score"]
    assert set(rows[A]["points_by_area"]) == {"planification", "finances", "transparence",
                                              "participation", "ressources_humaines"}
    population = 300_000
    assert rows[A]["per_capita"] == money.text(round(held[A] / population))


def test_mmc_only_cycles_have_no_points_and_ties_share_a_rank(feed: Feed) -> None:
    body = client(feed).get("/public/api/v1/cycles/2019").json()
    assert body["previous_cycle"] is None
    rows = {r["code"]: r for r in body["windows"][0]["communes"]}
    assert body["windows"][0]["mode"] == "mmc_only"
    assert all("points_by_area" not in r and r["change"] is None for r in rows.values())
    assert {r["rank"] for r in rows.values()} <= {1, 2, 3}
    text = client(feed).get("/public/api/v1/cycles/2019").text
    for secret in ("event_id", "paid", "outstanding", "dead", "payment"):
        assert secret not in text


def test_public_results_are_opt_in(feed: Feed) -> None:
    closed = client(feed, public=False)
    for path in ("/public", "/public/api/v1/cycles", "/public/api/v1/cycles/2021"):
        assert closed.get(path).status_code == 404
    assert "/public/api/v1/cycles" not in closed.get("/openapi.json").text


def test_regions_report_and_history(feed: Feed) -> None:
    api = client(feed, public=False)
    report = api.get("/api/v1/cycles/2021/regions", headers=AUTH).json()
    assert (report["cycle"], report["previous_cycle"], report["census"]) == (2021, 2019, 2014)
    held = sum(feed.ledger.allocated(2021).values())
    before = sum(feed.ledger.allocated(2019).values())
    assert money.parse(report["total"]["allocated"]) == held
    assert money.parse(report["total"]["change"]) == held - before
    assert sum(money.parse(r["allocated"]) for r in report["regions"]) == held
    assert sum(money.parse(p["allocated"]) for p in report["provinces"]) == held
    assert report["total"]["population"] == 650_000
    history = api.get(f"/api/v1/communes/{A}/history", headers=AUTH).json()
    assert [c["cycle"] for c in history["cycles"]] == [2019, 2021]
    assert history["cycles"][0]["change"] is None
    first, second = (money.parse(c["allocated"]) for c in history["cycles"])
    assert money.parse(history["cycles"][1]["change"]) == second - first
    assert api.get("/api/v1/communes/nowhere/history", headers=AUTH).status_code == 404
    assert api.get("/api/v1/cycles/2021/regions").status_code == 401
