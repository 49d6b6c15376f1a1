"""Two workers against one (docs/operations.md s5: two workers / one >= 1.5).

The throughput run again, on a fresh database and topics, with two ``pac-grants worker``
processes in one consumer group: Kafka gives each two of the four partitions of every
input topic, and their assessments batches hold the pipeline's state shared, so they
commit side by side (docs/pipeline.md "State in the database"). Measured only once both workers hold
partitions of the assessments topic, from the first publish to the last commit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from kafka.admin import KafkaAdminClient

from benchmarks.pipeline import PipelineRun, topic
from pac_grants.scenario import Message, Program


def two_workers(env: dict[str, str], program: Program, assessments: Sequence[Message],
                log: Path) -> dict[str, float]:
    run = PipelineRun(env, program, log, workers=2)
    try:
        run.preload()
        wait_for_members(run, 2)
        figures = run.throughput(assessments)
    finally:
        run.stop()
    return {f"two_workers_{name}": value for name, value in figures.items()}


def wait_for_members(run: PipelineRun, members: int, timeout: float = 120) -> None:
    """Until ``members`` consumers of the worker's group hold assessments partitions."""
    group = f"{run.env['PAC_TOPIC_PREFIX']}calculator"
    wanted = topic(run.env, "assessments")
    admin = KafkaAdminClient(bootstrap_servers=run.bootstrap)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for worker in run.workers:
                worker.alive()
            holding = sum(1 for member in _members(admin, group)
                          if any(t == wanted and partitions for t, partitions in member))
            if holding >= members:
                return
            time.sleep(0.5)
        raise SystemExit(f"benchmarks: {members} workers did not share {wanted} "
                         f"within {timeout:.0f} s")
    finally:
        admin.close()


def _members(admin: KafkaAdminClient, group: str) -> list[list[tuple[str, list[int]]]]:
    """(topic, partitions) assigned to each member of the group (kafka-python 3)."""
    described = admin.describe_groups([group]).get(group, {})
    out = []
    for member in described.get("members", []):
        assignment = member.get("member_assignment") or {}
        out.append([(part["topic"], list(part["partitions"]))
                    for part in assignment.get("assigned_partitions", [])])
    return out
