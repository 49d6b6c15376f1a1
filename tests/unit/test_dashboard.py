"""The Grafana dashboard and the alert rules speak only of metrics that exist.

docs/operations.md s3: the dashboard shows throughput, latency, lag, dead letters and
money per cycle. A renamed metric would leave an empty panel or a silent alert, so every
``pac_*`` name in a PromQL expression must be one that ``pac_grants.metrics`` declares.
(The PromQL syntax itself is checked by promtool in tests/integration.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from pac_grants.metrics import Metrics
from pac_grants.observer import Observer

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "monitoring" / "grafana" / "dashboards" / "pac-grants.json"
ALERTS = ROOT / "monitoring" / "alerts.yml"
DATASOURCES = ROOT / "monitoring" / "grafana" / "provisioning" / "datasources"
PAC_NAME = re.compile(r"\bpac_[a-z0-9_]+")


def declared_sample_names() -> set[str]:
    """Every sample name the worker can expose (``_bucket``, ``_count``... included)."""
    registry = CollectorRegistry()
    observer = Observer(Metrics.create(registry))
    observer.consumed("t")
    observer.rejected("t", "c")
    observer.duplicate("t")
    with observer.stage("s"):
        pass
    observer.ledger_written({"k": 1}, 0.1)
    observer.allocation_computed(1, "w", 1, 1, 0, 1, 0.1)
    observer.lag("t", 0, 1)
    observer.batch_failed("t")
    observer.batch_stuck("t", True)
    return {sample.name for family in registry.collect() for sample in family.samples}


def load_dashboard() -> dict[str, Any]:
    data = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def panels() -> list[dict[str, Any]]:
    return [p for p in load_dashboard()["panels"] if p["type"] != "row"]


def dashboard_queries() -> list[str]:
    exprs = [t["expr"] for p in panels() for t in p["targets"]]
    exprs += [v["definition"] for v in load_dashboard()["templating"]["list"]]
    return exprs


def alert_exprs() -> list[str]:
    groups = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_dashboard_is_provisionable() -> None:
    data = load_dashboard()
    assert data["uid"] == "pac-grants"
    ids = [p["id"] for p in data["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    datasource_uids = {
        ds["uid"]
        for path in DATASOURCES.glob("*.yml")
        for ds in yaml.safe_load(path.read_text(encoding="utf-8"))["datasources"]
    }
    for panel in panels():
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] in datasource_uids, panel["title"]
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), panel["title"]


@pytest.mark.parametrize(
    ("topic", "metric"),
    [
        ("throughput", "pac_events_consumed_total"),
        ("latency", "pac_event_age_seconds_bucket"),
        ("lag", "pac_consumer_lag_messages"),
        ("dead letters", "pac_events_rejected_total"),
        ("money", "pac_allocated_mad"),
    ],
)
def test_dashboard_has_a_panel_for(topic: str, metric: str) -> None:
    matching = [
        p
        for p in panels()
        if topic in p["title"].lower() and any(metric in t["expr"] for t in p["targets"])
    ]
    assert matching, f"no panel titled '{topic}' plotting {metric}"


def test_dashboard_queries_use_declared_metrics_only() -> None:
    declared = declared_sample_names()
    used = {name for expr in dashboard_queries() for name in PAC_NAME.findall(expr)}
    assert used, "the dashboard queries no pac_ metric"
    assert used <= declared, sorted(used - declared)


def test_alerts_use_declared_metrics_only() -> None:
    declared = declared_sample_names()
    used = {name for expr in alert_exprs() for name in PAC_NAME.findall(expr)}
    assert used <= declared, sorted(used - declared)
    needed = {"pac_consumer_lag_messages", "pac_events_rejected_total", "pac_ledger_verify_ok"}
    assert needed <= used
