"""Checkpoints from a real ``pac-grants worker`` on the real broker and PostgreSQL,
read back by ``pac-grants ledger checkpoints export`` and checked by ``ledger verify
--checkpoints`` (issue 16 item 2; docs/ledger.md "Checkpoints"). The hostile owner's
rewrites and forgeries: tests/integration/test_ledger_checkpoints.py.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.state import outbox
from pac_grants.broker.topics import topic_name
from pac_grants.ledger import Checkpoint, Ledger, generate_key_pair, parse_checkpoint
from tests.checkpoint_support import truncate
from tests.integration.pipeline_support import Worker, cli, wait_processed
from tests.integration.test_ledger_checkpoints import verify
from tests.unit.events_fixtures import raw
from tests.unit.streams_harness import assessment, commune, cycle_event, opened, paid

pytestmark = pytest.mark.integration

A, B = "09.001.01.01", "09.001.01.02"


def assert_checkpoint_topic(env: dict[str, str]) -> None:
    """``topics create``: compacted, one partition."""
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    name = topic_name(env["PAC_TOPIC_PREFIX"], "ledger-checkpoints")
    admin = KafkaAdminClient(bootstrap_servers=env["PAC_BROKER_URL"].split("://")[1])
    try:
        found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name,
                                                       ["cleanup.policy"])])
        assert found["topic"][name]["cleanup.policy"]["value"] == "compact"
        [described] = admin.describe_topics([name])
        assert len(described["partitions"]) == 1
    finally:
        admin.close()


def chain_head(ledger: Ledger) -> int:
    with ledger.reader() as reader:
        return reader.postings.head()[0]


def wait_outbox_empty(ledger: Ledger, timeout: float = 60) -> None:
    """The worker produced every output (checkpoints included) and deleted them."""
    deadline = time.monotonic() + timeout
    while True:
        with ledger.engine.connect() as db:
            if db.execute(select(func.count()).select_from(outbox)).scalar_one() == 0:
                return
        assert time.monotonic() < deadline, "the outbox was not drained"
        time.sleep(0.3)


class Source:
    """Publishes events with ``pac-grants publish`` and waits until the worker took them."""

    def __init__(self, env: dict[str, str], folder: Path, worker: Worker) -> None:
        self.env, self.folder, self.worker = env, folder, worker
        self.sent: Counter[str] = Counter()

    def send(self, logical: str, *events: dict[str, object]) -> None:
        path = self.folder / f"{logical}-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_bytes(b"".join(raw(e) + b"\n" for e in events))
        done = cli(self.env, "publish", "--topic", logical, str(path))
        assert done.returncode == 0, done.stderr
        self.sent[topic_name(self.env["PAC_TOPIC_PREFIX"], logical)] += len(events)
        wait_processed(self.env["PAC_DATABASE_URL"], dict(self.sent), self.worker)


def test_a_worker_publishes_checkpoints_that_export_keeps_and_verify_checks(
        broker_url: str, fresh_postgres_url: str, tmp_path: Path) -> None:
    """Every 25 transactions and at the approval: the approval ends at sequence 6 (the
    allocation and the two tranche orders of each commune), three groups of 20 payments
    take the head to 26, 46 and 66, so exactly one checkpoint crosses 25 (at 25 or 26,
    however the worker batches the first group) and one crosses 50 (in the third)."""
    (tmp_path / "keys").mkdir()
    private, public, _ = generate_key_pair(tmp_path / "keys")
    env = {"PAC_BROKER_URL": f"kafka://{broker_url}", "PAC_DATABASE_URL": fresh_postgres_url,
           "PAC_TOPIC_PREFIX": f"ck{uuid.uuid4().hex[:10]}.", "PAC_METRICS_PORT": "0",
           "PAC_LEDGER_CHECKPOINT_EVERY": "25", "PAC_LEDGER_SIGNING_KEY": str(private)}
    created = cli(env, "topics", "create")
    assert created.returncode == 0, created.stderr
    assert topic_name(env["PAC_TOPIC_PREFIX"], "ledger-checkpoints") in created.stdout
    assert_checkpoint_topic(env)
    ledger = Ledger.from_url(fresh_postgres_url)
    worker = Worker(env, tmp_path / "worker.log")
    try:
        source = Source(env, tmp_path, worker)
        source.send("communes", commune(A), commune(B, 200_000))
        source.send("cycles", opened(10_000_000))
        source.send("assessments", assessment(A), assessment(B))
        source.send("cycles", cycle_event("CycleClosed", cycle=2021))
        for group in range(3):
            source.send("disbursements", *(paid(A if n % 2 else B, "1.00", f"TGR-{group}-{n}")
                                           for n in range(20)))
        assert chain_head(ledger) == 66
        wait_outbox_empty(ledger)
    finally:
        assert worker.stop() == 0, worker.tail()
    file = tmp_path / "outside-kafka" / "checkpoints.jsonl"
    file.parent.mkdir()
    exported = cli(env, "ledger", "checkpoints", "export", str(file))
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr == f"3 new checkpoints written to {file} (3 in it; 3 read from " \
        "the topic)\n"
    checkpoints = [parse_checkpoint(line, "export") for line in file.read_text().splitlines()]
    closing, first, second = (c.seq for c in checkpoints)
    assert closing == 6 and 25 <= first <= 26 and 50 <= second <= 66
    assert all(c.count == c.seq and c.key_id for c in checkpoints)
    again = cli(env, "ledger", "checkpoints", "export", str(file))
    assert again.stderr.startswith("0 new checkpoints written")
    assert len(file.read_text().splitlines()) == 3
    for source_arg in (str(file), "topic"):
        code, lines = verify(fresh_postgres_url, "--checkpoints", source_arg, "--public-key",
                             str(public), env=env)
        assert (code, lines[1]) == (0, f"ok: 3 checkpoints match the chain up to sequence "
                                       f"{second} (head 66); 3 signatures valid"), lines
    truncate(ledger, keep=second - 1)
    ledger.dispose()
    assert verify(fresh_postgres_url)[0] == 0
    code, lines = verify(fresh_postgres_url, "--checkpoints", "topic", "--public-key",
                         str(public), env=env)
    assert code == 1 and lines[1].startswith(
        f"FAILED: truncated tail: the ledger ends at sequence {second - 1}")


def test_export_keeps_the_good_records_names_the_bad_and_never_creates_the_topic(
        broker_url: str, tmp_path: Path) -> None:
    from pac_grants.broker.publish import producer, send_all
    from pac_grants.settings import Settings

    env = {"PAC_BROKER_URL": f"kafka://{broker_url}",
           "PAC_TOPIC_PREFIX": f"cx{uuid.uuid4().hex[:10]}."}
    file = tmp_path / "kept.jsonl"
    missing = cli(env, "ledger", "checkpoints", "export", str(file))
    name = topic_name(env["PAC_TOPIC_PREFIX"], "ledger-checkpoints")
    assert (missing.returncode, missing.stderr) == (1, f"Error: topic {name} does not exist: "
                                                       "run `pac-grants topics create` (the "
                                                       "worker publishes checkpoints there)\n")
    assert not file.exists()
    assert cli(env, "ledger", "checkpoints", "export", str(file)).returncode == 1  # still none
    assert cli(env, "topics", "create").returncode == 0
    genuine = head_checkpoint_of(7)
    kafka = producer(Settings(broker_url=env["PAC_BROKER_URL"]))
    try:
        list(send_all(kafka, name, [(b"7", genuine.to_json().encode()), (b"8", b"{junk")]))
    finally:
        kafka.close()
    done = cli(env, "ledger", "checkpoints", "export", str(file))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{name}[0]@1: not a JSON checkpoint (not exported)",
        f"1 new checkpoints written to {file} (1 in it; 1 read from the topic)"]
    assert file.read_text() == genuine.to_json() + "\n"
    shown = cli(env, "ledger", "checkpoints", "export", "-")
    assert shown.stdout == genuine.to_json() + "\n" and shown.returncode == 2


def head_checkpoint_of(seq: int) -> Checkpoint:
    return Checkpoint(seq, "sha256:" + "0" * 64, "2026-03-01T09:30:00.000000+00:00", seq)
