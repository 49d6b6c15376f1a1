"""A worker killed with SIGKILL mid-stream, restarted: nothing lost, nothing doubled.

docs/ledger.md s5, exactly one effect per cause, Kafka offsets committed only after the
database commit: after two kills during the assessments and the payments, the ledger
still equals the independent reference to the centime and verifies; every expected
dead letter is there exactly once.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from pac_grants.ledger import Ledger
from pac_grants.scenario import generate_program
from tests.integration.pipeline_support import Reference, Worker, cli, processed, wait_processed
from tests.integration.test_pipeline_e2e import check_ledger, republish

pytestmark = pytest.mark.integration


def kill_midway(worker: Worker, database_url: str, topic: str, start: int, total: int) -> None:
    """SIGKILL once about a third of the phase's messages are processed."""
    deadline = time.monotonic() + 120
    while processed(database_url).get(topic, 0) < start + total // 3:
        assert time.monotonic() < deadline, worker.tail()
        time.sleep(0.05)
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(10)


def test_sigkill_mid_stream_loses_and_doubles_nothing(broker_url: str, tmp_path: Path) -> None:
    program = generate_program(seed=4242, cycles=(2023,), revisions=3)
    database_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    env = {"PAC_BROKER_URL": f"kafka://{broker_url}", "PAC_DATABASE_URL": database_url,
           "PAC_TOPIC_PREFIX": f"crash{uuid.uuid4().hex[:8]}.", "PAC_METRICS_PORT": "0"}
    assert cli(env, "topics", "create").returncode == 0
    worker = Worker(env, tmp_path / "worker.log")
    reference, sent, kills = Reference(), Counter[str](), 0
    ledger = Ledger.from_url(database_url)
    try:
        for phase in program.phases:
            counts = republish(env, list(phase.messages))
            for message in phase.messages:
                reference.apply(message)
            if phase.name in ("assessments", "disbursements"):
                topic = max(counts, key=lambda name: counts[name])
                kill_midway(worker, database_url, topic, sent[topic], counts[topic])
                kills += 1
                worker = Worker(env, tmp_path / "worker.log")
            sent.update(counts)
            wait_processed(database_url, dict(sent), worker)
            check_ledger(ledger, reference)
        expected = Counter(m.expect_rejection for m in program.messages()
                           if m.expect_rejection)
        assert Counter(d.code for d in ledger.dead_letters(limit=10_000)) == expected
        assert ledger.verify().ok and kills == 2
    finally:
        ledger.dispose()
        assert worker.stop() == 0, worker.tail()
