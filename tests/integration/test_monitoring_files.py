"""monitoring/ and docker-compose.yml, checked by the real tools (docs/operations.md s1, s3).

``promtool`` (Debian package ``prometheus``) checks the scrape config, the alert rules,
their unit tests (``monitoring/alerts_test.yml``) and the dashboard's PromQL;
``docker-compose`` (Debian package ``docker-compose``) parses the compose file. A
missing tool is a failure with the command to install it, never a skip:
``scripts/bootstrap`` installs both.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
PACKAGES = {"promtool": "prometheus", "docker-compose": "docker-compose"}


def run(tool: str, *args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run a real tool; fail (not skip) with the install command when it is missing."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"{tool} not found on PATH: install Debian's '{PACKAGES[tool]}' package "
            f"(apt-get install -y {PACKAGES[tool]}, done by scripts/bootstrap)",
            pytrace=False,
        )
    return subprocess.run(
        [path, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def test_prometheus_config_is_valid() -> None:
    output = assert_ok(run("promtool", "check", "config", MONITORING / "prometheus.yml"))
    assert "1 rule files found" in output


def test_alert_rules_are_valid() -> None:
    output = assert_ok(run("promtool", "check", "rules", MONITORING / "alerts.yml"))
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text(encoding="utf-8"))
    assert f"{sum(len(g['rules']) for g in rules['groups'])} rules found" in output


def test_alert_rules_pass_their_unit_tests() -> None:
    assert_ok(run("promtool", "test", "rules", MONITORING / "alerts_test.yml"))


def test_alert_unit_tests_cover_every_alert() -> None:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text(encoding="utf-8"))
    tests = yaml.safe_load((MONITORING / "alerts_test.yml").read_text(encoding="utf-8"))
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    tested = {
        case["alertname"]
        for t in tests["tests"]
        for case in t["alert_rule_test"]
        if case.get("exp_alerts")
    }
    assert alerts == tested
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert {"summary", "runbook"} <= set(rule["annotations"]), rule["alert"]


def test_promtool_rejects_a_broken_rule(tmp_path: Path) -> None:
    """The checks above can fail: promtool really parses PromQL."""
    bad = tmp_path / "bad.yml"
    bad.write_text("groups: [{name: g, rules: [{alert: A, expr: 'sum by (x (y)'}]}]\n")
    assert run("promtool", "check", "rules", bad).returncode != 0


def test_dashboard_promql_parses(tmp_path: Path) -> None:
    """Every panel query is valid PromQL: checked as recording rules by promtool."""
    dashboard = json.loads(
        (MONITORING / "grafana" / "dashboards" / "pac-grants.json").read_text(encoding="utf-8")
    )
    rules = [
        {
            "record": f"dashboard:panel{panel['id']}:{target['refId']}",
            "expr": re.sub(r"\$\{?cycle\}?", ".*", target["expr"]),
        }
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    assert len(rules) >= 10
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    output = assert_ok(run("promtool", "check", "rules", path))
    assert f"{len(rules)} rules found" in output


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    """The compose file as docker-compose resolves it (``config -q`` validates first)."""
    assert_ok(run("docker-compose", "-f", "docker-compose.yml", "config", "-q"))
    resolved = run("docker-compose", "-f", "docker-compose.yml", "config")
    assert_ok(resolved)
    config = yaml.safe_load(resolved.stdout)
    assert isinstance(config, dict)
    return dict(config["services"])


def test_compose_file_parses_and_holds_the_stack(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"kafka", "postgres", "worker", "prometheus", "grafana"}
    kafka = services["kafka"]
    assert kafka["image"] == "apache/kafka:4.0.0"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "pac_grants"
    worker = services["worker"]
    assert worker["build"]["dockerfile"] == "Dockerfile"
    assert {"PAC_BROKER_URL", "PAC_METRICS_PORT"} <= set(worker["environment"])
    assert "PAC_DATABASE_URL" in " ".join(worker["entrypoint"])
    assert "pac_db_password" in {s["source"] for s in worker["secrets"]}


def test_compose_publishes_on_loopback_only(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"


def test_compose_wires_prometheus_to_the_worker_and_grafana_to_the_dashboard(
    services: dict[str, dict[str, Any]],
) -> None:
    mounts = {
        service: {v.split(":")[1]: Path(v.split(":")[0]) for v in services[service]["volumes"]}
        for service in ("prometheus", "grafana")
    }
    assert mounts["prometheus"]["/etc/prometheus/prometheus.yml"] == MONITORING / "prometheus.yml"
    assert mounts["prometheus"]["/etc/prometheus/alerts.yml"] == MONITORING / "alerts.yml"
    assert mounts["grafana"]["/etc/grafana/provisioning"] == MONITORING / "grafana" / "provisioning"
    scrape = yaml.safe_load((MONITORING / "prometheus.yml").read_text(encoding="utf-8"))
    job = next(j for j in scrape["scrape_configs"] if j["job_name"] == "pac-grants")
    port = services["worker"]["environment"]["PAC_METRICS_PORT"]
    assert job["static_configs"][0]["targets"] == [f"worker:{port}"]


def test_dockerfile_builds_the_worker_from_files_that_exist() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert 'ENTRYPOINT ["pac-grants"]' in text and 'CMD ["worker"]' in text
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
        *sources, _dest = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
