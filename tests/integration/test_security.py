"""Kafka security settings against the real broker's SASL listener (docs/cli.md
s6; docs/operations.md s1; scripts/services: SASL_PLAINTEXT on its own port, user
``pac`` / ``pac-secret``, mechanisms PLAIN and SCRAM-SHA-256).

The worker, ``topics create`` and ``publish`` run with ``PAC_KAFKA_*`` settings and must
work; a wrong password must fail with a one-line error that does not contain it; the
password must never appear in what the worker logs, even at debug level.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pac_grants.broker.topics import topic_name
from tests.hostile import baseline
from tests.integration.fault_support import pipeline_env
from tests.integration.pipeline_support import Worker, cli, wait_processed

pytestmark = pytest.mark.integration
USER, PASSWORD = "pac", "pac-secret"
WRONG = "wr0ng-Pa55word-9f3c"


def sasl_env(sasl_broker_url: str, database_url: str, mechanism: str,
             password: str = PASSWORD) -> dict[str, str]:
    return pipeline_env(sasl_broker_url, database_url,
                        PAC_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
                        PAC_KAFKA_SASL_MECHANISM=mechanism,
                        PAC_KAFKA_SASL_USERNAME=USER, PAC_KAFKA_SASL_PASSWORD=password)


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_worker_and_publish_over_sasl(mechanism: str, sasl_broker_url: str, tmp_path: Path
                                      ) -> None:
    env = sasl_env(sasl_broker_url, f"sqlite:///{tmp_path / 'ledger.db'}", mechanism)
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    worker = Worker(env, tmp_path / "worker.log")
    try:
        sent: Counter[str] = Counter()
        for n, phase in enumerate(baseline.phases()):
            for topic in sorted({v.topic for v in phase}):
                lines = [v.value for v in phase if v.topic == topic]
                path = tmp_path / f"{n}-{topic}.jsonl"
                path.write_bytes(b"\n".join(lines) + b"\n")
                done = cli(env, "publish", "--topic", topic, str(path))
                assert done.returncode == 0, done.stderr
                assert PASSWORD not in done.stderr + done.stdout
                sent[topic_name(env["PAC_TOPIC_PREFIX"], topic)] += len(lines)
            wait_processed(env["PAC_DATABASE_URL"], dict(sent), worker, timeout=120)
    finally:
        assert worker.stop() == 0, worker.tail()
    verify = cli(env, "ledger", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    summary = json.loads(cli(env, "ledger", "summary", "--format", "json").stdout)
    assert {c["cycle"]: c["status"] for c in summary["cycles"]} == {2019: "open",
                                                                      2021: "closed"}
    assert PASSWORD not in worker.log.read_text(errors="replace")


def test_the_password_is_never_logged_at_debug_level(sasl_broker_url: str, tmp_path: Path
                                                     ) -> None:
    env = sasl_env(sasl_broker_url, f"sqlite:///{tmp_path / 'ledger.db'}", "PLAIN")
    assert cli(env, "topics", "create").returncode == 0
    worker = Worker(env, tmp_path / "debug.log", loglevel="debug")  # Kafka clients too
    try:
        first = baseline.phases()[0]
        path = tmp_path / "communes.jsonl"
        path.write_bytes(b"\n".join(v.value for v in first if v.topic == "communes"))
        assert cli(env, "publish", "--topic", "communes", str(path)).returncode == 0
        wait_processed(env["PAC_DATABASE_URL"],
                       {topic_name(env["PAC_TOPIC_PREFIX"], "communes"): 3}, worker, 120)
    finally:
        worker.stop()
    text = worker.log.read_text(errors="replace")
    assert "sasl" in text.lower()  # the handshake was logged, and still no password
    assert PASSWORD not in text


def test_a_wrong_password_is_one_line_without_it(sasl_broker_url: str, tmp_path: Path
                                                 ) -> None:
    env = sasl_env(sasl_broker_url, f"sqlite:///{tmp_path / 'ledger.db'}", "PLAIN", WRONG)
    path = tmp_path / "cycles.jsonl"
    path.write_bytes(baseline.encode(baseline.closed(2021)) + b"\n")
    for command in (["topics", "create"], ["publish", "--topic", "cycles", str(path)]):
        done = cli(env, *command, timeout=120)
        assert done.returncode != 0, command
        assert WRONG not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_worker_with_a_wrong_password_exits_without_it(sasl_broker_url: str,
                                                           tmp_path: Path) -> None:
    env = sasl_env(sasl_broker_url, f"sqlite:///{tmp_path / 'ledger.db'}", "PLAIN", WRONG)
    done = cli(env, "worker", "--loglevel", "debug", timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert WRONG not in output
    assert "Authentication failed" in output


def test_the_worker_with_a_wrong_password_fails_in_one_line(sasl_broker_url: str,
                                                            tmp_path: Path) -> None:
    env = sasl_env(sasl_broker_url, f"sqlite:///{tmp_path / 'ledger.db'}", "PLAIN", WRONG)
    done = cli(env, "worker", timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert WRONG not in done.stdout + done.stderr
