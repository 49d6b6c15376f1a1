"""What operators see: Debian's real ``prometheus`` scraping a real worker.

A worker (pipeline_support) on the real Kafka gets the small program of
test_worker_metrics (a duplicate, two malformed assessments, a payment to an unknown
commune, a closed cycle). A ``prometheus`` process of its own (tmp dir, free ports,
scrape and evaluation every second) loads ``monitoring/alerts.yml`` and scrapes it. Then:

* every rule loads and evaluates without error, and every expression of the Grafana
  dashboard returns data (finite numbers; the latency is the pipeline's, seconds);
* ``PacDeadLettersArriving`` fires for each new (topic, code) with a whole count, holds
  for its window, then resolves;
* ``PacWorkerDown`` is pending, then fires once the worker has been down for its
  ``for:``, and clears when a worker is back;
* the restarted worker, with no new input, shows the closed cycle's money again.

The rules' durations are divided by :data:`SCALE` (5m -> 20s, 1m -> 4s) so that a window
passes in a test; the rules' own 5-minute arithmetic is checked by promtool
(``monitoring/alerts_test.yml``).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pac_grants.broker.tansu import free_port
from pac_grants.broker.topics import topic_name
from tests.integration.pipeline_support import Worker, cli, wait_processed
from tests.integration.prometheus_support import Prometheus
from tests.integration.test_monitoring_files import MONITORING
from tests.integration.test_pipeline_e2e import republish
from tests.integration.test_worker_metrics import phases, samples, scrape

pytestmark = pytest.mark.integration

SCALE = 15
WINDOW = 300 / SCALE  # PacDeadLettersArriving's 5 minutes, in the test
DOWN_FOR = 60 / SCALE  # PacWorkerDown's `for: 1m`, in the test
MONEY = ("pac_pool_mad", "pac_allocated_mad", "pac_unallocated_mad", "pac_eligible_communes")


def scaled_rules(tmp_path: Path) -> Path:
    """monitoring/alerts.yml with every PromQL and ``for:`` duration divided by SCALE."""
    def shorten(text: str) -> str:
        return re.sub(r"\b(\d+)m\b", lambda m: f"{int(m[1]) * 60 // SCALE}s", text)

    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule["expr"] = shorten(rule["expr"])
            if "for" in rule:
                rule["for"] = shorten(rule["for"])
    path = tmp_path / "alerts.yml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    return path


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, expression) of every dashboard target, ``$cycle`` as all cycles."""
    dashboard = json.loads((MONITORING / "grafana" / "dashboards" / "pac-grants.json")
                           .read_text(encoding="utf-8"))
    return [(panel["title"], re.sub(r"\$\{?cycle\}?", ".*", target["expr"]))
            for panel in dashboard["panels"] for target in panel.get("targets", [])]


@pytest.fixture
def env(broker_url: str, tmp_path: Path) -> dict[str, str]:
    return {"PAC_BROKER_URL": f"kafka://{broker_url}",
            "PAC_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
            "PAC_TOPIC_PREFIX": f"prom{uuid.uuid4().hex[:10]}.",
            "PAC_METRICS_PORT": str(free_port()), "PAC_LEDGER_VERIFY_INTERVAL": "1"}


@pytest.fixture
def prometheus(env: dict[str, str], tmp_path: Path) -> Iterator[Prometheus]:
    running = Prometheus(tmp_path / "prometheus", scaled_rules(tmp_path),
                         target=f"127.0.0.1:{env['PAC_METRICS_PORT']}").start()
    yield running
    running.stop()


def until(what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
    """Poll ``check`` every 0.25 s until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)
    return found


@pytest.mark.timeout(600)
def test_prometheus_sees_the_worker_as_the_dashboard_and_alerts_expect(
        env: dict[str, str], prometheus: Prometheus, tmp_path: Path) -> None:
    assert cli(env, "topics", "create").returncode == 0
    worker = Worker(env, tmp_path / "worker.log")
    try:
        until("the worker scraped", lambda: prometheus.query('up{job="pac-grants"} == 1'))
        run_the_program(env, worker, prometheus)
        money = dashboard_and_rules(prometheus, env)
        assert not prometheus.alerts("PacWorkerDown")
    finally:
        assert worker.stop() == 0, worker.tail()
    worker_down_fires_after_its_for(prometheus)
    restarted = Worker(env, tmp_path / "restarted.log")
    try:
        until("the worker back", lambda: prometheus.query('up{job="pac-grants"} == 1'))
        until("PacWorkerDown resolved", lambda: not prometheus.alerts("PacWorkerDown"))
        back = {name: prometheus.values(name) for name in MONEY}
        assert back == money, "money gauges not restored from the ledger"
        # running, not starting: a SIGTERM before Faust's handlers is no clean stop
        until("the restarted worker's ledger check",
              lambda: prometheus.query("pac_ledger_verify_ok == 1"))
    finally:
        assert restarted.stop() == 0, restarted.tail()


def run_the_program(env: dict[str, str], worker: Worker, prometheus: Prometheus) -> None:
    """Publish the program phase by phase; watch the first dead letters' alert through
    its whole window, and the last one fire."""
    prefix, url, sent = env["PAC_TOPIC_PREFIX"], env["PAC_DATABASE_URL"], Counter[str]()
    assessments = topic_name(prefix, "assessments")
    reference, invalid, closing, payments = phases()
    for phase in (reference, invalid):
        sent.update(republish(env, phase))
        wait_processed(url, dict(sent), worker, timeout=90)
    dead_letters_alert_holds_for_its_window(prometheus, assessments)
    for phase in (closing, payments):
        sent.update(republish(env, phase))
        wait_processed(url, dict(sent), worker, timeout=90)
    [alert] = until("the unknown_commune alert", lambda: prometheus.alerts(
        "PacDeadLettersArriving", code="unknown_commune", state="firing"))
    assert alert["annotations"]["summary"] == (
        f"1 events from {topic_name(prefix, 'disbursements')} dead-lettered (unknown_commune)"
        " in 5 minutes")


def dead_letters_alert_holds_for_its_window(prometheus: Prometheus, topic: str) -> None:
    """Both new (topic, code) series fire with whole counts, stay firing for the window
    (a series born with its first rejection must not clear after one evaluation), and
    resolve after it."""
    def firing() -> list[dict[str, Any]]:
        return prometheus.alerts("PacDeadLettersArriving", topic=topic, state="firing")

    alerts = until("the dead-letter alerts", lambda: len(firing()) == 2 and firing())
    started = time.monotonic()
    assert sorted(a["annotations"]["summary"] for a in alerts) == [
        f"1 events from {topic} dead-lettered ({code}) in 5 minutes"
        for code in ("malformed_json", "schema_violation")]
    while firing():
        assert time.monotonic() - started < WINDOW + 15, "the alert never resolves"
        time.sleep(0.25)
    held = time.monotonic() - started
    assert held >= WINDOW - 5, f"fired {held:.1f} s, not for its {WINDOW:.0f} s window"


def dashboard_and_rules(prometheus: Prometheus, env: dict[str, str]
                        ) -> dict[str, dict[frozenset[tuple[str, str]], float]]:
    """Every rule healthy, every dashboard expression with finite data; returns the
    money series as the worker exposes them (scraped directly)."""
    rules = prometheus.get("/api/v1/rules")["groups"]
    loaded = {r["name"]: r for g in rules for r in g["rules"]}
    assert set(loaded) == {"PacConsumerLagHigh", "PacProcessingStalled", "PacDeadLettersArriving",
                           "PacBatchStuck", "PacLedgerVerificationFailed", "PacWorkerDown"}
    assert all(r["health"] == "ok" for r in loaded.values()), loaded
    until("every dashboard expression", lambda: all(
        prometheus.finite(expr) for _title, expr in dashboard_queries()), timeout=60)
    latency = prometheus.query(
        "histogram_quantile(0.99, sum by (le) (rate(pac_event_age_seconds_bucket[5m])))")
    assert 0 < float(latency[0]["value"][1]) < 60  # seconds through the pipeline
    exposed = samples(scrape(int(env["PAC_METRICS_PORT"])))
    money = {name: {labels: value for (n, labels), value in exposed.items() if n == name}
             for name in MONEY}
    assert all(money.values()), money
    assert money == {name: prometheus.values(name) for name in MONEY}
    return money


def worker_down_fires_after_its_for(prometheus: Prometheus) -> None:
    """Pending first, firing only once the target has been down for ``for:``."""
    until("the target down", lambda: prometheus.query('up{job="pac-grants"} == 0'))
    down = time.monotonic()
    until("PacWorkerDown pending", lambda: prometheus.alerts("PacWorkerDown", state="pending"),
          timeout=30)
    until("PacWorkerDown firing", lambda: prometheus.alerts("PacWorkerDown", state="firing"),
          timeout=30)
    assert time.monotonic() - down >= DOWN_FOR - 1.5
