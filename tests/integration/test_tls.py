"""TLS against the real broker's SSL and SASL_SSL listeners (scripts/services: a CA and a
broker certificate for 127.0.0.1 made by openssl; ``PAC_SERVICES_CA_FILE``).

On each listener, with ``PAC_KAFKA_SSL_CAFILE`` set to that CA: ``topics create``, the
worker, ``publish`` and ``dlq list|replay`` run the dead-letter round trip of
test_dlq_replay (a payment to a commune not registered yet is dead-lettered, replayed
once the commune exists, then paid) and the ledger verifies. A CA that did not sign the
broker's certificate fails at once in one line, without a traceback, for the commands
and for the worker.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pac_grants.ledger import Ledger
from tests.integration.pipeline_support import Worker, cli, wait_processed
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import (
    assessment,
    commune,
    counted_after_approval,
    cycle_event,
    opened,
    paid,
)

pytestmark = pytest.mark.integration
A, B = "09.001.01.01", "09.001.01.02"
USER, PASSWORD = "pac", "pac-secret"


@pytest.fixture(params=["SSL", "SASL_SSL"])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def tls_env(protocol: str, bootstrap: str, cafile: Path, database_url: str) -> dict[str, str]:
    env = {"PAC_BROKER_URL": f"kafka://{bootstrap}", "PAC_DATABASE_URL": database_url,
           "PAC_TOPIC_PREFIX": f"tls{uuid.uuid4().hex[:10]}.", "PAC_METRICS_PORT": "0",
           "PAC_KAFKA_SECURITY_PROTOCOL": protocol, "PAC_KAFKA_SSL_CAFILE": str(cafile)}
    if protocol == "SASL_SSL":
        env |= {"PAC_KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "PAC_KAFKA_SASL_USERNAME": USER,
                "PAC_KAFKA_SASL_PASSWORD": PASSWORD}
    return env


@pytest.fixture
def env(protocol: str, ssl_broker_url: str, sasl_ssl_broker_url: str,
        services_ca_file: Path, tmp_path: Path) -> dict[str, str]:
    bootstrap = ssl_broker_url if protocol == "SSL" else sasl_ssl_broker_url
    return tls_env(protocol, bootstrap, services_ca_file, f"sqlite:///{tmp_path / 'ledger.db'}")


@pytest.fixture(scope="module")
def wrong_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real CA certificate that did not sign the broker's."""
    where = tmp_path_factory.mktemp("wrong-ca")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=not the services CA", "-keyout", str(where / "ca.key"),
                    "-out", str(where / "ca.pem")], check=True, capture_output=True)
    return where / "ca.pem"


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[Worker]:
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    assert f"{env['PAC_TOPIC_PREFIX']}dead-letters.v1" in created.stdout
    running = Worker(env, tmp_path / "worker.log")
    yield running
    assert running.stop() == 0, running.tail()


def publish(env: dict[str, str], tmp_path: Path, topic: str, *events: dict[str, Any]) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
    path.write_bytes(b"".join(ev.raw(e) + b"\n" for e in events))
    done = cli(env, "publish", "--topic", topic, str(path))
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def settle(env: dict[str, str], worker: Worker, counts: dict[str, int]) -> None:
    prefix = env["PAC_TOPIC_PREFIX"]
    wait_processed(env["PAC_DATABASE_URL"], {f"{prefix}{t}.v1": n for t, n in counts.items()},
                   worker, timeout=90)


@pytest.mark.timeout(300)
def test_the_pipeline_and_the_commands_over_tls(env: dict[str, str], worker: Worker,
                                                tmp_path: Path) -> None:
    publish(env, tmp_path, "communes", commune(A))
    publish(env, tmp_path, "cycles", opened(10_000_000))
    publish(env, tmp_path, "assessments", assessment(A), assessment(B))  # B is held
    settle(env, worker, {"communes": 1, "cycles": 1, "assessments": 2})
    publish(env, tmp_path, "cycles", cycle_event("CycleClosed", cycle=2021,
                                                 closed_on="2022-06-30"))
    # paid after the re-approval below, which issues B's orders (docs/events.md s7.1)
    publish(env, tmp_path, "disbursements", paid(B, "1000.00", "TGR-B-1", paid_on="2022-07-20"))
    settle(env, worker, {"cycles": 2, "disbursements": 1})

    listed = cli(env, "dlq", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    [letter] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (letter["error"]["code"], letter["key"]) == ("unknown_commune", B)

    publish(env, tmp_path, "communes", commune(B, 200_000))  # the cause, fixed: B
    settle(env, worker, {"communes": 2})  # registered after the approval, so a decision
    for topic, event, counts in counted_after_approval(B):  # reopens 2021 to count it
        publish(env, tmp_path, topic, event)
        settle(env, worker, counts)
    replayed = cli(env, "dlq", "replay", "--code", "unknown_commune")
    assert replayed.returncode == 0 and "1 dead letters replayed" in replayed.stderr
    settle(env, worker, {"disbursements": 2})  # the replay went through the TLS listener
    ledger = Ledger.from_url(env["PAC_DATABASE_URL"])
    try:
        assert ledger.balance(f"paid:2021:{B}") == 100_000
    finally:
        ledger.dispose()
    verify = cli(env, "ledger", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert PASSWORD not in worker.log.read_text(errors="replace")


def one_line_without_traceback(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.timeout(120)
def test_a_wrong_ca_fails_the_commands_in_one_line(env: dict[str, str], wrong_ca: Path,
                                                   tmp_path: Path) -> None:
    env = env | {"PAC_KAFKA_SSL_CAFILE": str(wrong_ca)}
    path = tmp_path / "cycles.jsonl"
    path.write_bytes(ev.raw(opened(10_000_000)) + b"\n")
    for command in (["topics", "create"], ["publish", "--topic", "cycles", str(path)],
                    ["worker"]):
        line = one_line_without_traceback(cli(env, *command, timeout=60))
        assert "certificate not trusted" in line and str(wrong_ca) in line, command
        assert PASSWORD not in line


@pytest.mark.timeout(120)
def test_a_plaintext_client_is_refused_by_the_tls_listener(ssl_broker_url: str,
                                                           tmp_path: Path) -> None:
    """The TLS listener really is TLS: the same command without TLS gets nowhere."""
    env = {"PAC_BROKER_URL": f"kafka://{ssl_broker_url}", "PAC_TOPIC_PREFIX": "tlsplain.",
           "PAC_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}"}
    done = cli(env, "topics", "create", timeout=90)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
