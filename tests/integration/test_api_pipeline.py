"""The read API over a ledger filled by the real pipeline (issue 7; docs/ledger.md
"Reading it", docs/rules.md s7): ``pac-grants api`` as a child process, over HTTP on
loopback.

The oracle is independent of the API: the ledger commands' own JSON and CSV, and the
offline engine over the program's final inputs (``Program.final_result``: each cycle's
last approval, with the commune data it froze), which is what docs/ledger.md s5 (consistent with
the rules) says the ledger must hold; the program's approval dates for the cycles'
states and balances as of a date.
"""

from __future__ import annotations

import csv
import io
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from pac_grants import money
from pac_grants.ledger import Ledger
from pac_grants.ledger.reader import read_only
from pac_grants.scenario import Program
from tests.integration.api_support import AUTH, ApiServer, pipeline_ledger, program
from tests.integration.pipeline_support import cli
from tests.ledger_support import upsert_communes
from tests.unit.api_fixtures import fill

pytestmark = pytest.mark.integration
CYCLES = range(2019, 2025)
STOPPED = (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a graceful shutdown


@pytest.fixture(scope="module")
def sample() -> Program:
    return program()


@pytest.fixture(scope="module")
def ledger_url(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> str:
    return pipeline_ledger(tmp_path_factory.getbasetemp() / "api-pipeline", broker_url)


@pytest.fixture(scope="module")
def api(ledger_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = ApiServer(ledger_url, tmp_path_factory.mktemp("api") / "api.log")
    try:
        with httpx.Client(base_url=server.base + "/api/v1", headers=AUTH, timeout=30) as client:
            yield client
    finally:
        assert server.stop() in STOPPED, server.log.read_text()


def ok(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json() if "json" in response.headers["content-type"] else response.text


def ledger_cli(url: str, *args: str) -> str:
    done = cli({"PAC_DATABASE_URL": url}, "ledger", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_summary_and_balances_equal_the_ledger_commands(api: httpx.Client,
                                                        ledger_url: str) -> None:
    import json

    assert ok(api, "/cycles") == json.loads(ledger_cli(ledger_url, "summary", "--format",
                                                       "json"))
    for cycle in CYCLES:
        expected = json.loads(ledger_cli(ledger_url, "balances", "--cycle", str(cycle),
                                         "--format", "json"))
        assert ok(api, f"/cycles/{cycle}/balances") == expected


def test_allocation_table_is_the_engine_over_the_final_inputs(
        api: httpx.Client, sample: Program, ledger_url: str) -> None:
    ledger = Ledger.from_url(ledger_url)
    try:
        for cycle in CYCLES:
            body = ok(api, f"/cycles/{cycle}/allocation")
            assert (body["status"], body["source"]) == ("final", "recomputed")
            engine = sample.final_result(cycle)
            assert body["inputs_digest"] == engine.inputs_digest
            got = {(w["window"], r["code"]): r for w in body["windows"] for r in w["communes"]}
            want = {(w.window.id, c.code): c for w in engine.windows for c in w.communes}
            assert set(got) == set(want)
            for key, c in want.items():
                row = got[key]
                assert row["amount"] == money.text(c.amount * 100), key
                assert (row["eligible"], row["score"], row["capped"]) == (
                    c.eligible, c.score, bool(c.share and c.share.capped)), key
                assert (row["name_fr"], row["name_ar"]) == (c.commune.name_fr,
                                                            c.commune.name_ar)
            held = {k: v for k, v in ledger.allocated(cycle).items() if v}
            assert {k: r["ledger_allocated"] for k, r in got.items() if k in held} == {
                k: money.text(v) for k, v in held.items()}
            assert all(r["ledger_allocated"] == r["amount"] for r in got.values())
    finally:
        ledger.dispose()


def test_explanations_of_a_capped_and_an_ineligible_commune(api: httpx.Client) -> None:
    body = ok(api, "/cycles/2024/allocation")
    rows = [r for w in body["windows"] for r in w["communes"]]
    capped = next(r for r in rows if r["capped"])
    refused = next(r for r in rows if not r["eligible"])
    for row in (capped, refused):
        why = ok(api, f"/cycles/2024/communes/{row['code']}/explanation")
        assert (why["amount"], why["eligible"], why["reasons"]) == (
            row["amount"], row["eligible"], row["reasons"])
        assert why["ruleset"] == body["ruleset"] and why["summary"]
    why = ok(api, f"/cycles/2024/communes/{capped['code']}/explanation")
    assert why["formula"]["capped"] is True and why["formula"]["cap"] == capped["amount"]


def test_statements_end_on_the_balances(api: httpx.Client) -> None:
    balances = ok(api, "/cycles/2022/balances")["communes"]
    adjusted = [b for b in balances if b["paid"] != "0.00"][:5]
    for b in adjusted:
        entries = ok(api, f"/communes/{b['code']}/statement?cycle=2022")["entries"]
        assert entries[-1]["balance"] == {k: b[k] for k in ("allocated", "paid", "outstanding",
                                                             "to_recover")}


def test_dead_letters_are_the_program_rejections(api: httpx.Client, sample: Program) -> None:
    letters = ok(api, "/dead-letters?limit=1000")["dead_letters"]
    expected = Counter(m.expect_rejection for m in sample.messages() if m.expect_rejection)
    assert Counter(d["code"] for d in letters) == expected
    code = next(iter(expected))
    assert {d["code"] for d in ok(api, f"/dead-letters?code={code}")["dead_letters"]} == {code}


def test_csv_export_is_the_ledger_export(api: httpx.Client, ledger_url: str) -> None:
    text = ok(api, "/cycles/2021/export.csv")
    assert text == ledger_cli(ledger_url, "export", "--cycle", "2021", "--format", "csv")
    names = {r["name_ar"] for r in csv.DictReader(io.StringIO(text)) if r["name_ar"]}
    assert "الدار البيضاء" in names


def test_no_token_no_data_over_http(api: httpx.Client) -> None:
    bare = httpx.get(str(api.base_url.join("cycles/2021/balances")))
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == "Bearer"


def test_read_only_session_on_postgresql(fresh_postgres_url: str, tmp_path: Path) -> None:
    ledger = Ledger.from_url(fresh_postgres_url)
    try:
        fill(ledger)
        with read_only(ledger.engine) as conn, pytest.raises(sa.exc.InternalError,
                                                             match="read-only transaction"):
            conn.execute(sa.text("DELETE FROM dead_letters"))
        server = ApiServer(fresh_postgres_url, tmp_path / "api.log")
        try:
            got = httpx.get(server.base + "/api/v1/cycles/2021/balances", headers=AUTH)
            assert got.status_code == 200
            assert [c["outstanding"] for c in got.json()["communes"]] == [
                "3250000.00", "4515432.11"]
        finally:
            assert server.stop() in STOPPED
        upsert_communes(ledger, [{"code": "X1", "name_fr": "x", "name_ar": "x",
                                 "region": "r", "province": "p"}])  # writable again
    finally:
        ledger.dispose()


def test_cycles_show_their_state_and_the_decision_of_their_last_approval(
        api: httpx.Client, sample: Program) -> None:
    cycles = {c["cycle"]: c for c in ok(api, "/cycles")["cycles"]}
    assert sorted(cycles) == list(CYCLES)
    for cycle, row in cycles.items():
        assert row["state"] == "approved" and row["status"] == "closed"
        assert row["closed_on"] == sample.approvals[cycle][-1].isoformat()
        assert row["decision_ref"].startswith("Arrêté conjoint n° ")


def test_balances_as_of_the_two_approvals_of_the_reopened_cycle(
        api: httpx.Client, sample: Program) -> None:
    """Nothing before 2021's first approval, its first amounts on June 30, the final ones
    (with the upheld late appeal) from September 30, each on its business date."""
    first, second = sample.approvals[2021]

    def allocated(on: date) -> dict[str, str]:
        rows = ok(api, f"/cycles/2021/balances?as_of={on.isoformat()}")["communes"]
        return {r["code"]: r["allocated"] for r in rows}

    assert set(allocated(first - timedelta(days=1)).values()) <= {"0.00"}
    at_first, at_second = allocated(first), allocated(second)
    final = {c.code: money.text(c.amount * 100) for w in sample.final_result(2021).windows
             for c in w.communes}
    assert at_first != at_second
    assert {k: v for k, v in at_second.items() if v != "0.00"} == {
        k: v for k, v in final.items() if v != "0.00"}


def test_an_approved_cycle_is_explained_with_its_frozen_data(api: httpx.Client,
                                                             sample: Program) -> None:
    """The correction of a 2014 population came after 2022's approval: 2022 is explained
    with the population it was approved with; 2021, approved again after it, with the
    corrected one."""
    original = {r["code"]: r["population"]["2014"] for r in sample.communes}
    current = {r["code"]: r["population"]["2014"] for r in sample.final_communes}
    [code] = [c for c in current if current[c] != original[c]]
    for cycle, population in ((2022, original[code]), (2021, current[code])):
        why = ok(api, f"/cycles/{cycle}/communes/{code}/explanation")
        assert why["population"]["value"] == population, cycle
