"""A ledger filled by the real pipeline, for the API's integration and browser tests.

The sample program (``generate_program(seed=SEED)``) runs phase by phase through
``pac-grants topics create``, a ``pac-grants worker`` child and ``pac-grants publish``
on the real Kafka of ``scripts/services`` (the helpers of the pipeline's own end-to-end
test, ``tests/integration/pipeline_support.py``), into a SQLite ledger. Built once per
test session under pytest's base temp directory and reused by every API test module.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from pac_grants.scenario import Program, generate_program
from tests.integration.pipeline_support import Worker, cli, publish_phase, wait_processed

SEED = 7301
TOKEN = "api-integration-token-0123456789abcdef"  # at least 32 characters
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def program() -> Program:
    return generate_program(seed=SEED)


def pipeline_ledger(root: Path, broker_url: str) -> str:
    """The SQLite URL of the ledger after the whole program; built on the first call."""
    root.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{root / 'ledger.db'}"
    if not (root / "done").exists():
        _run_program(root, url, broker_url)
        (root / "done").write_text("ok\n")
    return url


def _run_program(root: Path, url: str, broker_url: str) -> None:
    env = {"PAC_BROKER_URL": f"kafka://{broker_url}", "PAC_DATABASE_URL": url,
           "PAC_TOPIC_PREFIX": f"api{uuid.uuid4().hex[:10]}.", "PAC_METRICS_PORT": "0"}
    files = root / "program"
    sample = program()
    sample.write_jsonl(files)
    manifest = json.loads((files / "manifest.json").read_text())
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    worker = Worker(env, root / "worker.log")
    sent: Counter[str] = Counter()
    try:
        for phase in sample.phases:
            publish_phase(env, files, manifest, phase.name, sent)
            wait_processed(url, dict(sent), worker)
    finally:
        assert worker.stop() == 0, worker.tail()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiServer:
    """``pac-grants api`` as a child process on a free loopback port."""

    def __init__(self, database_url: str, log: Path, loglevel: str = "warning",
                 **env_extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = os.environ | {"PAC_DATABASE_URL": database_url, "PAC_API_TOKEN": TOKEN} | env_extra
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from pac_grants.cli import main; main()", "api",
                 "--port", str(self.port), "--loglevel", loglevel],
                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._wait()

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"pac-grants api did not answer:\n{self.log.read_text()}")

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)
