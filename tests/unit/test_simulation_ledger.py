"""Simulations over the inputs the ledger's database stores, and nothing written to it.

The whole sample program goes through the pipeline's real batch handler into a SQLite
ledger (``streams_harness.Feed``); then ``pac-grants simulate``, ``rulesets list`` and
the API's simulation routes run on it. Every table's row count and the chain head are
the same afterwards (issue 13: "nothing is ever written to the ledger").
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from pac_grants.api import create_app
from pac_grants.api.simulation_schemas import Simulation
from pac_grants.cli import main
from tests.unit.api_fixtures import AUTH, settings
from tests.unit.simulation_support import CYCLES, program
from tests.unit.streams_harness import Feed


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Feed, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fed') / 'ledger.db'}"
    feed = Feed(url)
    for phase in program().phases:
        feed.batch([feed.message(m.topic, m.value, m.key.decode() if m.key else None)
                    for m in phase.messages])
    yield feed, url
    feed.ledger.dispose()


def snapshot(feed: Feed) -> dict[str, Any]:
    """Row counts of every table and the chain head."""
    with feed.ledger.engine.connect() as conn:
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                  for t in inspect(conn).get_table_names()}
        head = conn.execute(text("SELECT sequence, hash FROM ledger_transactions "
                                 "ORDER BY sequence DESC LIMIT 1")).one()
    return {"counts": counts, "head": tuple(head)}


def run(url: str, *args: str) -> Any:
    result = CliRunner().invoke(main, [*args, "--database-url", url])
    assert result.exit_code == 0, result.stderr
    return result


@pytest.mark.parametrize("cycle", CYCLES)
def test_own_ruleset_on_the_stored_inputs_changes_nothing(fed: tuple[Feed, str],
                                                          cycle: int) -> None:
    feed, url = fed
    out = run(url, "simulate", "--cycle", str(cycle), "--variant", f"papc-{cycle}",
              "--format", "json").stdout
    data = json.loads(out)
    assert {c["difference"] for c in data["communes"]} == {0}
    held = feed.allocated(cycle)  # what the ledger holds: the base is the posted allocation
    assert {c["code"]: c["base_amount"] for c in data["communes"] if c["base_amount"]} == held


def test_an_unknown_cycle_is_one_line_exit_2(fed: tuple[Feed, str]) -> None:
    result = CliRunner().invoke(main, ["simulate", "--cycle", "2031", "--variant", "papc-2023",
                                       "--database-url", fed[1]])
    assert result.exit_code == 2 and "cycle 2031" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_nothing_is_written_by_a_simulation(fed: tuple[Feed, str], tmp_path: Path) -> None:
    feed, url = fed
    before = snapshot(feed)
    run(url, "simulate", "--cycle", "2023", "--variant", "papc-2023", "--pool",
        "standard=900000000", "--format", "json")
    run(url, "simulate", "--cycle", "2024", "--vary",
        "windows.grandes_communes.equal_share=0:1:0.25", "--format", "xlsx", "--output",
        str(tmp_path / "s.xlsx"))
    run(url, "rulesets", "list", "--format", "json")
    client = TestClient(create_app(settings(url), feed.ledger))
    body = client.get("/api/v1/cycles/2023/simulation", headers=AUTH,
                      params={"variant": "papc-2023", "pool.standard": "900000000"})
    assert body.status_code == 200, body.text
    assert Simulation.model_validate(body.json()).totals.variant.pool == 900_000_000
    sheet = client.get("/api/v1/cycles/2023/simulation.xlsx", headers=AUTH,
                       params={"variant": "papc-2023"})
    assert sheet.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(sheet.content)).sheetnames[0] == "communes"
    assert snapshot(feed) == before


def test_api_errors(fed: tuple[Feed, str]) -> None:
    feed, url = fed
    client = TestClient(create_app(settings(url), feed.ledger))

    def get(cycle: int, **params: str) -> tuple[int, Any]:
        found = client.get(f"/api/v1/cycles/{cycle}/simulation", headers=AUTH, params=params)
        return found.status_code, found.json()

    assert get(2031, variant="papc-2023")[0] == 404
    status, body = get(2023, variant="nope")
    assert status == 404 and body["detail"].startswith("no ruleset 'nope'")
    status, body = get(2023, variant="papc-2022")
    assert status == 422 and "is for cycle 2022, not 2023" in body["detail"]
    status, body = get(2023, variant="papc-2023", **{"pool.grandes_communes": "5"})
    assert status == 422 and "unknown window(s) grandes_communes" in body["detail"]
    status, body = get(2023, variant="papc-2023", **{"pool.petites": "-5"})
    assert status == 422 and "expected whole MAD" in body["detail"]
    assert get(2023, variant="papc-2023", **{"pool.standard": "x"})[0] == 422
    listed = client.get("/api/v1/rulesets", headers=AUTH).json()["rulesets"]
    assert [r["reference"] for r in listed] == [f"papc-{c}" for c in CYCLES]
