"""Support of the reliability tests on the real services (docs/operations.md s6).

What tests/integration/pipeline_support.py does not have: publishing raw (key, value)
pairs (hostile bytes, no validation) with kafka-python, reading the dead-letter topic,
a snapshot of what finance teams read through ``pac-grants ledger``, and running
``scripts/services stop|start`` for a broker or database outage. The worker process,
``cli``, ``wait_processed`` and the independent reference are pipeline_support's.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pac_grants.broker.publish import producer, send_all
from pac_grants.broker.topics import topic_name
from pac_grants.settings import Settings
from tests.conftest import SERVICES
from tests.integration.pipeline_support import cli

Record = tuple[str, bytes | None, bytes | None]  # logical topic, key, value


def pipeline_env(broker: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker/CLI with a topic prefix of its own."""
    return {"PAC_BROKER_URL": f"kafka://{broker}", "PAC_DATABASE_URL": database_url,
            "PAC_TOPIC_PREFIX": f"it{uuid.uuid4().hex[:10]}.", "PAC_METRICS_PORT": "0",
            **extra}


def settings_of(env: dict[str, str]) -> Settings:
    return Settings(broker_url=env["PAC_BROKER_URL"], topic_prefix=env["PAC_TOPIC_PREFIX"],
                    database_url=env["PAC_DATABASE_URL"], _env_file=None)  # type: ignore[call-arg]


def create_topics(env: dict[str, str]) -> None:
    done = cli(env, "topics", "create")
    assert done.returncode == 0, done.stderr


def publish(env: dict[str, str], records: Iterable[Record],
            sent: Counter[str] | None = None) -> list[tuple[str, int, int]]:
    """Send as is, in order; returns (full topic, partition, offset) of each record and
    adds the counts to ``sent`` (full topic -> messages), for ``wait_processed``."""
    prefix, out = env["PAC_TOPIC_PREFIX"], []
    kafka = producer(settings_of(env))
    try:
        by_topic: dict[str, list[tuple[int, bytes | None, bytes | None]]] = {}
        for n, (logical, key, value) in enumerate(records):
            by_topic.setdefault(topic_name(prefix, logical), []).append((n, key, value))
        placed: dict[int, tuple[str, int, int]] = {}
        for topic, items in by_topic.items():
            pairs = [(key, value) for _n, key, value in items]
            # a None value (a tombstone) is hostile input too: kafka-python sends it
            placed_here = send_all(kafka, topic, pairs)  # type: ignore[arg-type]
            for (n, _k, _v), (partition, offset) in zip(items, placed_here, strict=True):
                placed[n] = (topic, partition, offset)
        out = [placed[n] for n in sorted(placed)]
    finally:
        kafka.close()
    if sent is not None:
        sent.update(topic for topic, _p, _o in out)
    return out


def dead_letter_records(env: dict[str, str], count: int, timeout: float = 60
                        ) -> list[dict[str, Any]]:
    """The first ``count`` records of the dead-letter topic (fails after ``timeout``)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic_name(env["PAC_TOPIC_PREFIX"], "dead-letters"),
                             bootstrap_servers=env["PAC_BROKER_URL"].split("://")[1],
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=1000)
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < count and time.monotonic() < deadline:
            records += [json.loads(r.value) for r in consumer]
    finally:
        consumer.close()
    return records


def ledger_snapshot(env: dict[str, str], cycles: Iterable[int]) -> dict[str, Any]:
    """What finance teams read (docs/cli.md s3): verify, summary, balances per cycle."""
    verify = cli(env, "ledger", "verify")
    summary = cli(env, "ledger", "summary", "--format", "json")
    assert summary.returncode == 0, summary.stderr
    balances = {}
    for cycle in cycles:
        done = cli(env, "ledger", "balances", "--cycle", str(cycle), "--format", "json")
        assert done.returncode == 0, done.stderr
        balances[cycle] = json.loads(done.stdout)
    return {"verify": (verify.returncode, verify.stdout.strip()),
            "summary": json.loads(summary.stdout), "balances": balances}


def services(action: str, name: str) -> None:
    """``scripts/services start|stop kafka|postgres`` (the fault tests' outages). Output
    goes to a file: a daemon it starts must not hold a pipe of ours open."""
    with tempfile.TemporaryFile(mode="w+") as output:
        done = subprocess.run([str(SERVICES), action, name], stdout=output, stderr=output,
                              stdin=subprocess.DEVNULL, timeout=240, check=False)
        output.seek(0)
        assert done.returncode == 0, f"services {action} {name}: {output.read()[-2000:]}"


def _admin(env: dict[str, str]) -> Any:
    from kafka.admin import KafkaAdminClient

    return KafkaAdminClient(bootstrap_servers=env["PAC_BROKER_URL"].split("://")[1],
                            client_id="pac-grants-fault-tests", request_timeout_ms=5000)


def group_id(env: dict[str, str]) -> str:
    """The worker's consumer group: the Faust app id (streams/app.py)."""
    return f"{env['PAC_TOPIC_PREFIX']}calculator"


def group_offsets(env: dict[str, str]) -> dict[tuple[str, int], int]:
    """The group's committed offsets (next offset to read) per input partition."""
    try:
        admin = _admin(env)
    except Exception:  # the broker is restarting
        return {}
    try:
        offsets = admin.list_group_offsets({group_id(env): None}).get(group_id(env), {})
        return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()
                if meta.offset >= 0}
    except Exception:  # the coordinator is not available yet
        return {}
    finally:
        admin.close()


def group_members(env: dict[str, str]) -> int:
    admin = _admin(env)
    try:
        described = admin.describe_groups([group_id(env)]).get(group_id(env), {})
        return len(described.get("members") or [])
    finally:
        admin.close()


def tracked_offsets(database_url: str) -> dict[tuple[str, int], int]:
    """The last offset the pipeline recorded as processed, per partition (its table)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text('SELECT topic, partition, "offset" FROM pipeline_offsets'))
            return {(str(t), int(p)): int(o) for t, p, o in rows}
    finally:
        engine.dispose()
