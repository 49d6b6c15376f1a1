"""Topic names and topic creation (docs/events.md "Topics").

Logical names (``communes``, ``cycles``, ``assessments``, ``disbursements``,
``allocations``, ``dead-letters``, ``payment-orders``, ``ledger-checkpoints``) map to
``{prefix}{name}.v1``; the prefix is ``PAC_TOPIC_PREFIX`` (default ``pac.``). The admin
client's connection options come from :mod:`pac_grants.broker.kafka_options`, like every
other client's.
"""

from __future__ import annotations

from pac_grants.broker.kafka_options import check_tls, client_options
from pac_grants.settings import Settings

INPUTS = ("communes", "cycles", "complaints", "assessments", "disbursements")
OUTPUTS = ("allocations", "dead-letters", "payment-orders", "ledger-checkpoints")
VERSION = "v1"
#: docs/events.md s3.1: communes are reference data, upserted by code: the latest one counts.
#: Checkpoints are kept forever, one per sequence (docs/ledger.md "Checkpoints").
COMPACTED = frozenset({"communes", "ledger-checkpoints"})
#: Topics whose partition count is fixed: checkpoints in one partition, in order.
PARTITIONS = {"ledger-checkpoints": 1}


def topic_name(prefix: str, logical: str) -> str:
    """``pac.`` + ``assessments`` -> ``pac.assessments.v1``."""
    return f"{prefix}{logical}.{VERSION}"


def logical_name(prefix: str, topic: str) -> str | None:
    """The logical name of a full topic name, or of a logical name itself; else None."""
    for logical in INPUTS + OUTPUTS:
        if topic in (logical, topic_name(prefix, logical)):
            return logical
    return None


def create_topics(settings: Settings, partitions: int = 4, replication: int = 1) -> list[str]:
    """Create the topics (idempotent); return the names created now.

    Inputs and allocations get ``partitions`` partitions; the dead-letter topic too, keyed
    by source key. ``communes`` is compacted (docs/events.md s1); ``ledger-checkpoints`` is
    compacted with one partition (docs/ledger.md "Checkpoints").
    """
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    check_tls(settings)
    admin = KafkaAdminClient(**client_options(settings), client_id="pac-grants-admin")
    try:
        existing = set(admin.list_topics())
        wanted = []
        for logical in INPUTS + OUTPUTS:
            name = topic_name(settings.topic_prefix, logical)
            if name in existing:
                continue
            configs = {"cleanup.policy": "compact"} if logical in COMPACTED else {}
            count = PARTITIONS.get(logical, partitions)
            wanted.append(NewTopic(name, count, replication, topic_configs=configs))
        created = []
        for topic in wanted:
            try:
                admin.create_topics([topic])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()
