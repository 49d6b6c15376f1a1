"""A real ``prometheus`` (Debian's package) as a child process, for the tests.

Its own configuration and database in a tmp dir, one scrape target, scrape and rule
evaluation every second, a free port on loopback; stopped (SIGTERM) by :meth:`stop`.
A missing binary fails with the command to install it, never skips.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from pac_grants.broker.tansu import free_port, terminate

Series = dict[frozenset[tuple[str, str]], float]


class Prometheus:
    """``prometheus`` scraping ``target`` as job ``pac-grants`` with ``rules`` loaded."""

    def __init__(self, workdir: Path, rules: Path, target: str) -> None:
        self.workdir, self.rules, self.target = workdir, rules, target
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Prometheus:
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.fail("prometheus not found on PATH: apt-get install -y prometheus "
                        "(done by scripts/bootstrap)", pytrace=False)
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s",
                       "evaluation_interval": "1s"},
            "rule_files": [str(self.rules)],
            "scrape_configs": [{"job_name": "pac-grants",
                                "static_configs": [{"targets": [self.target]}]}]}))
        with (self.workdir / "prometheus.log").open("wb") as log:
            self.process = subprocess.Popen(
                [binary, f"--config.file={config}", f"--storage.tsdb.path={self.workdir}/data",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not self._ready():
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, f"prometheus not ready:\n{self.log()}"
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.process is not None:
            terminate(self.process, 15)
            self.process = None

    def log(self) -> str:
        return (self.workdir / "prometheus.log").read_text(errors="replace")[-3000:]

    def _ready(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/-/ready"
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def get(self, path: str, **params: str) -> Any:
        """The ``data`` of an HTTP API answer (``status`` must be success)."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        url = f"http://127.0.0.1:{self.port}{path}{query}"
        with urllib.request.urlopen(url, timeout=10) as response:
            answer = json.loads(response.read())
        assert answer["status"] == "success", answer
        return answer["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query now: the result vector."""
        data = self.get("/api/v1/query", query=expr)
        assert data["resultType"] == "vector", data
        return list(data["result"])

    def finite(self, expr: str) -> bool:
        """The expression returns at least one series, every value a finite number."""
        result = self.query(expr)
        return bool(result) and all(math.isfinite(float(r["value"][1])) for r in result)

    def values(self, name: str) -> Series:
        """The series of a metric as the target exposes them (Prometheus' labels off)."""
        added = {"__name__", "job", "instance"}
        return {frozenset((k, v) for k, v in r["metric"].items() if k not in added):
                float(r["value"][1]) for r in self.query(name)}

    def alerts(self, name: str, state: str | None = None, **labels: str
               ) -> list[dict[str, Any]]:
        """Active alerts of rule ``name`` (pending or firing), filtered."""
        return [a for a in self.get("/api/v1/alerts")["alerts"]
                if a["labels"].get("alertname") == name
                and (state is None or a["state"] == state)
                and all(a["labels"].get(k) == v for k, v in labels.items())]
