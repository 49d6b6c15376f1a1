"""``pac-grants dlq list`` and ``dlq replay`` on the real broker (docs/events.md dead
letters).

A payment for a commune not registered yet is dead-lettered (``unknown_commune``). The
commune is registered after its cycle's approval, so its held assessment, released into
the approved cycle, is dead-lettered too (``cycle_closed``) and its grant stays nil. A
decision reopens the cycle, the commune's assessment is sent again as a new revision,
the second approval gives it its grant by adjustment; then replaying the payment's dead
letter pays it. The worker runs as ``pac-grants worker``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pac_grants.ledger import Ledger
from tests.integration.pipeline_support import Worker, cli, processed, wait_processed
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


@pytest.fixture
def env(broker_url: str, tmp_path: Path) -> dict[str, str]:
    return {"PAC_BROKER_URL": f"kafka://{broker_url}",
            "PAC_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
            "PAC_TOPIC_PREFIX": f"dlq{uuid.uuid4().hex[:10]}.", "PAC_METRICS_PORT": "0"}


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[Worker]:
    assert cli(env, "topics", "create").returncode == 0
    running = Worker(env, tmp_path / "worker.log")
    yield running
    assert running.stop() == 0, running.tail()


def publish(env: dict[str, str], tmp_path: Path, topic: str, *events: dict[str, Any]) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
    path.write_bytes(b"".join(ev.raw(e) + b"\n" for e in events))
    done = cli(env, "publish", "--topic", topic, str(path))
    assert done.returncode == 0, done.stderr


def settle(env: dict[str, str], worker: Worker, counts: dict[str, int]) -> None:
    prefix = env["PAC_TOPIC_PREFIX"]
    wait_processed(env["PAC_DATABASE_URL"], {f"{prefix}{t}.v1": n for t, n in counts.items()},
                   worker, timeout=60)


def dead_letters(env: dict[str, str]) -> list[dict[str, Any]]:
    listed = cli(env, "dlq", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def test_replay_after_the_cause_is_fixed(env: dict[str, str], worker: Worker,
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
    [letter] = dead_letters(env)
    assert (letter["error"]["code"], letter["key"]) == ("unknown_commune", B)

    publish(env, tmp_path, "communes", commune(B, 200_000))  # after the approval
    settle(env, worker, {"communes": 2})
    assert {(d["error"]["code"], d["key"]) for d in dead_letters(env)} == {
        ("unknown_commune", B), ("cycle_closed", B)}  # its held assessment, released
    ledger = Ledger.from_url(env["PAC_DATABASE_URL"])
    try:
        assert ledger.outstanding(2021, B) == 0
        for topic, event, counts in counted_after_approval(B):  # reopened, re-approved
            publish(env, tmp_path, topic, event)
            settle(env, worker, counts)
        # its grant, by adjustment, and its tranche orders (payable -> ordered)
        assert ledger.balance(f"ordered:2021:{B}") + ledger.outstanding(2021, B) > 100_000
        replayed = cli(env, "dlq", "replay", "--code", "unknown_commune")
        assert replayed.returncode == 0 and "1 dead letters replayed" in replayed.stderr
        settle(env, worker, {"disbursements": 2})
        assert ledger.balance(f"paid:2021:{B}") == 100_000
        assert ledger.verify().ok
    finally:
        ledger.dispose()
    assert processed(env["PAC_DATABASE_URL"])
