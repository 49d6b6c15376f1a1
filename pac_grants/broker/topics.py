"""Topic names and Kafka client options (events.md "topics", interfaces.md "Settings").

Logical names (``communes``, ``cycles``, ``assessments``, ``disbursements``,
``allocations``, ``dead-letters``, ``ledger-checkpoints``) map to ``{prefix}{name}.v1``;
the prefix is ``PAC_TOPIC_PREFIX`` (default ``pac.``). Security options come from the
settings and the password is only ever passed to the client, never printed.
"""

from __future__ import annotations

from typing import Any

from pac_grants.settings import Settings

INPUTS = ("communes", "cycles", "complaints", "assessments", "disbursements")
OUTPUTS = ("allocations", "dead-letters", "ledger-checkpoints")
VERSION = "v1"
#: events.md: communes are reference data, upserted by code: the latest one counts.
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


def bootstrap_servers(broker_url: str) -> list[str]:
    """``kafka://h1:9092;h2:9092`` (Faust style) -> ``["h1:9092", "h2:9092"]``."""
    rest = broker_url.split("://", 1)[-1]
    return [part.strip() for part in rest.replace(";", ",").split(",") if part.strip()]


def kafka_python_options(settings: Settings) -> dict[str, Any]:
    """Connection options for kafka-python clients (producer, consumer, admin)."""
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers(settings.broker_url),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        password = settings.kafka_sasl_password
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    if settings.kafka_ssl_cafile:
        options["ssl_cafile"] = str(settings.kafka_ssl_cafile)
    return options


def create_topics(settings: Settings, partitions: int = 4, replication: int = 1) -> list[str]:
    """Create the topics (idempotent); return the names created now.

    Inputs and allocations get ``partitions`` partitions; the dead-letter topic too, keyed
    by source key. ``communes`` is compacted (events.md); ``ledger-checkpoints`` is
    compacted with one partition (docs/ledger.md "Checkpoints").
    """
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(**kafka_python_options(settings), client_id="pac-grants-admin")
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
