"""Reading the checkpoint topic whole (``pac-grants ledger checkpoints export`` and
``ledger verify --checkpoints topic``; docs/ledger.md "Checkpoints").

A consumer without a group (nothing committed, no rebalance) is assigned every partition
of ``{prefix}ledger-checkpoints.v1``, reads from the beginning up to the end offsets
taken at start, and stops: what the worker publishes meanwhile is for the next read.
"""

from __future__ import annotations

import time
from typing import Any

from pac_grants.broker.kafka_options import client_options
from pac_grants.broker.publish import BOOTSTRAP_TIMEOUT_MS
from pac_grants.broker.topics import topic_name
from pac_grants.settings import Settings

LOGICAL = "ledger-checkpoints"


class CheckpointsUnreadable(RuntimeError):
    """The topic is missing or does not answer in time; ``str()`` is one line."""


def read_values(settings: Settings, timeout: float = 60.0) -> list[tuple[str, bytes]]:
    """(``topic[partition]@offset``, value) of every record, in partition order."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaTimeoutError

    topic = topic_name(settings.topic_prefix, LOGICAL)
    consumer = KafkaConsumer(**client_options(settings), group_id=None,
                             enable_auto_commit=False, allow_auto_create_topics=False,
                             client_id="pac-grants-checkpoints",
                             bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise CheckpointsUnreadable(f"topic {topic} does not exist: run `pac-grants "
                                        "topics create` (the worker publishes checkpoints "
                                        "there)")
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        return _until(consumer, ends, time.monotonic() + timeout)
    except KafkaTimeoutError:
        raise CheckpointsUnreadable(f"topic {topic}: no answer within {timeout:.0f} s") from None
    finally:
        consumer.close()


def _until(consumer: Any, ends: dict[Any, int], deadline: float) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    while any(consumer.position(tp) < end for tp, end in ends.items()):
        if time.monotonic() > deadline:
            from kafka.errors import KafkaTimeoutError

            raise KafkaTimeoutError("reading the checkpoints")
        for tp, records in consumer.poll(timeout_ms=1000).items():
            found.extend((f"{tp.topic}[{tp.partition}]@{r.offset}", r.value) for r in records
                         if r.offset < ends[tp] and r.value is not None)
    return found
