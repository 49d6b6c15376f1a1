"""The worker's ``/metrics`` against what it processed (docs/operations.md "Metrics", issue 5).

A worker child process (pipeline_support) on the real Kafka and a SQLite ledger gets a
small scenario with known numbers, phase by phase: communes and a cycle, assessments
with one exact redelivery and malformed messages of known codes, the closing, two
payments. Then one scrape must agree exactly with what was published, with the dead
letters and the ledger the worker wrote, and with the offline ``compute_cycle``; lag is
0 on every input partition, the ledger check reports 1, and 0 once the ledger is
altered behind the worker's back. The worker logs JSON lines (``PAC_LOG_FORMAT``).
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from models.ledger import TRANSACTIONS
from pac_grants.broker.topics import INPUTS, topic_name
from pac_grants.ledger import Ledger
from pac_grants.rules.engine import compute_cycle
from pac_grants.rules.ruleset import packaged_ruleset_by_id
from pac_grants.scenario import Message
from pac_grants.scenario.final import to_assessment
from tests.integration.pipeline_support import Reference, Worker, cli, wait_processed
from tests.integration.test_pipeline_e2e import republish
from tests.unit.events_fixtures import assessment, commune, cycle_opened, disbursement, raw

pytestmark = pytest.mark.integration

CYCLE = 2021
CODES = [f"09.001.01.{n:02d}" for n in range(1, 6)]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return str(response.read().decode("utf-8"))


def samples(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: Samples, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def by_label(found: Samples, name: str, label: str) -> dict[str, float]:
    return {dict(k)[label]: v for (n, k), v in found.items() if n == name}


def message(topic: str, data: dict[str, Any], key: str, expect: str | None = None) -> Message:
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    body = {**data, "event_id": str(uuid.uuid4()), "occurred_at": now}
    return Message(topic, key.encode(), raw(body), expect)


def phases() -> list[list[Message]]:
    """Five communes and a cycle; five assessments, one exact redelivery, two rejected
    (malformed_json, schema_violation); the closing; two payments and one to a commune
    never registered (unknown_commune)."""
    reference = [message("communes", commune(code=code, population={
        "2014": 10_000 * (n + 1), "2024": 11_000 * (n + 1)}), code)
        for n, code in enumerate(CODES)]
    reference.append(message("cycles", cycle_opened(), str(CYCLE)))
    submitted = [message("assessments", assessment(
        commune_code=code, assessment_id=f"APA-{CYCLE}-{code}",
        indicators={**assessment()["indicators"], "A1": f"0.{50 + 10 * n}"}), code)
        for n, code in enumerate(CODES)]
    bad = [Message("assessments", b"x", b"{not json", "malformed_json"),
           message("assessments", {**assessment(), "revision": "one"}, CODES[0],
                   "schema_violation")]
    payments = [message("disbursements", disbursement(payment_ref=f"TGR-M-{n}",
                                                      commune_code=code, amount_mad="1000.00"),
                        code) for n, code in enumerate(CODES[:2])]
    payments.append(message("disbursements", disbursement(commune_code="99.999.99.99"),
                            "99.999.99.99", "unknown_commune"))
    return [reference, [*submitted, submitted[0], *bad],
            [message("cycles", {"event_type": "CycleClosed", "schema_version": 1,
                                "source": "dgct-programme", "cycle": CYCLE,
                                "closed_on": "2022-06-30"}, str(CYCLE))],
            payments]


@pytest.fixture
def env(broker_url: str, tmp_path: Path) -> dict[str, str]:
    return {"PAC_BROKER_URL": f"kafka://{broker_url}",
            "PAC_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
            "PAC_TOPIC_PREFIX": f"mt{uuid.uuid4().hex[:10]}.",
            "PAC_METRICS_PORT": str(free_port()), "PAC_LEDGER_VERIFY_INTERVAL": "1",
            "PAC_LOG_FORMAT": "json"}


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[Worker]:
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    running = Worker(env, tmp_path / "worker.log")
    yield running
    assert running.stop() == 0, running.tail()


def eventually(port: int, worker: Worker, ready: Callable[[Samples], bool],
               timeout: float = 30) -> tuple[str, Samples]:
    """Scrape until ``ready`` (the lag and verification timers run every few seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        text = scrape(port)
        found = samples(text)
        if ready(found):
            return text, found
        assert worker.process.poll() is None, worker.tail()
        assert time.monotonic() < deadline, f"{text}\n{worker.tail()}"
        time.sleep(0.5)


def test_metrics_match_what_the_worker_processed(env: dict[str, str], worker: Worker,
                                                 tmp_path: Path) -> None:
    prefix, port, url = env["PAC_TOPIC_PREFIX"], int(env["PAC_METRICS_PORT"]), \
        env["PAC_DATABASE_URL"]
    started, reference, sent = time.time(), Reference(), Counter[str]()
    for phase in phases():
        sent.update(republish(env, phase))
        for m in phase:
            reference.apply(m)
        wait_processed(url, dict(sent), worker, timeout=60)
    inputs = {topic_name(prefix, logical) for logical in INPUTS}

    def settled(found: Samples) -> bool:
        lag = {(dict(k)["topic"], dict(k)["partition"]): v for (n, k), v in found.items()
               if n == "pac_consumer_lag_messages"}
        return (len(lag) == 4 * len(inputs) and not any(lag.values())
                and value(found, "pac_ledger_verify_ok") == 1)

    text, found = eventually(port, worker, settled)
    assert by_label(found, "pac_events_consumed_total", "topic") == sent
    expected_codes = Counter((topic_name(prefix, m.topic), m.expect_rejection)
                             for phase in phases() for m in phase if m.expect_rejection)
    rejected = {(dict(k)["topic"], dict(k)["code"]): v for (n, k), v in found.items()
                if n == "pac_events_rejected_total"}
    assert rejected == expected_codes
    ledger = Ledger.from_url(url)
    try:
        letters = Counter(d.code for d in ledger.dead_letters(limit=100))
        assert letters == Counter({code: n for (_t, code), n in expected_codes.items()})
        with ledger.engine.connect() as conn:
            query = select(TRANSACTIONS.c.kind, func.count()).group_by(TRANSACTIONS.c.kind)
            kinds: dict[str, int] = {str(kind): int(n) for kind, n in conn.execute(query)}
    finally:
        ledger.dispose()
    assert by_label(found, "pac_events_duplicate_total", "topic") == {
        topic_name(prefix, "assessments"): 1}
    assert kinds and by_label(found, "pac_ledger_transactions_total", "kind") == kinds
    assert_money(found, reference)
    committed = sum(sent.values()) - 1 - sum(expected_codes.values())  # less the redelivery
    assert value(found, "pac_event_age_seconds_count") == committed
    stages = by_label(found, "pac_processing_seconds_count", "stage")
    assert {"decode", "handle", "allocation", "ledger"} <= {s for s, n in stages.items() if n}
    assert value(found, "pac_ledger_write_seconds_count")
    assert value(found, "pac_allocation_seconds_count")
    assert [v for (n, _k), v in found.items() if n == "pac_build_info"] == [1.0]
    last = value(found, "pac_last_processed_timestamp_seconds")
    assert last is not None and started < last <= time.time()
    promtool_accepts(text)
    tamper(url)
    eventually(port, worker, lambda f: value(f, "pac_ledger_verify_ok") == 0)
    assert_json_log(worker)


def assert_json_log(worker: Worker) -> None:
    """PAC_LOG_FORMAT=json: the worker's log records are JSON lines; the failed check
    is one of them."""
    lines = [line[line.index("{"):] for line in worker.log.read_text().splitlines()
             if '{"ts"' in line]
    records = [json.loads(line) for line in lines]
    assert any(r["logger"] == "pac_grants.health" and r["level"] == "ERROR"
               and "ledger verification failed" in r["message"] for r in records), lines


def assert_money(found: Samples, reference: Reference) -> None:
    """The four money gauges equal the offline engine's result for the cycle's window."""
    ruleset = packaged_ruleset_by_id(reference.rulesets[CYCLE])
    counting = {code: to_assessment(e) for (c, code), e in reference.assessments.items()
                if c == CYCLE}
    result = compute_cycle(ruleset, reference.communes.values(), counting,
                           reference.pools[CYCLE])
    assert result.windows
    for w in result.windows:
        labels = {"cycle": str(CYCLE), "window": w.window.id}
        assert value(found, "pac_pool_mad", **labels) == w.pool
        assert value(found, "pac_allocated_mad", **labels) == w.allocated
        assert value(found, "pac_unallocated_mad", **labels) == w.unallocated
        assert value(found, "pac_eligible_communes", **labels) == w.eligible_count > 0


def promtool_accepts(text: str) -> None:
    """``promtool check metrics`` parses the exposition (lint findings are not failures)."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing (Debian package prometheus)"
    done = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=30, check=False)
    assert "error while linting" not in done.stderr + done.stdout, done.stderr


def tamper(url: str) -> None:
    """Change a stored amount behind the ledger's back (SQLite has no append-only guard)."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE ledger_postings SET amount = amount + 1 WHERE position = 0")
