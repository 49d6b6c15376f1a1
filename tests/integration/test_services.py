"""The real services of ``scripts/services`` answer as the rest of the suite expects.

docs/operations.md "Services": a real Kafka broker (KRaft) with a PLAINTEXT listener, a
SASL_PLAINTEXT one (user ``pac``), an SSL and a SASL_SSL one (a certificate for
127.0.0.1 signed by the CA in ``PAC_SERVICES_CA_FILE``), and a real PostgreSQL with
database ``pac_grants`` owned by ``pac_grants`` and a ``pac_writer`` role without DDL
rights.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.conn import create_conn
from aiokafka.errors import SaslAuthenticationFailed
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from tests.conftest import SERVICES, parse_exports

pytestmark = pytest.mark.integration

SASL_USER, SASL_PASSWORD = "pac", "pac-secret"


def _new_topic(bootstrap: str) -> str:
    name = f"test.services.{uuid.uuid4().hex[:10]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        assert name in admin.list_topics()
    finally:
        admin.close()
    return name


def _consume_one(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes | None]]:
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
        enable_auto_commit=False, consumer_timeout_ms=15_000,
        group_id=f"test-services-{uuid.uuid4().hex[:8]}",
    )
    try:
        for record in consumer:
            return [(record.key, record.value)]
        return []
    finally:
        consumer.close()


@pytest.mark.timeout(120)
def test_broker_round_trips_a_message(broker_url: str) -> None:
    topic = _new_topic(broker_url)
    producer = KafkaProducer(bootstrap_servers=broker_url, acks="all")
    try:
        producer.send(topic, key=b"k", value=b'{"hello": "pac"}').get(timeout=30)
    finally:
        producer.close()
    assert _consume_one(broker_url, topic) == [(b"k", b'{"hello": "pac"}')]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
def test_sasl_listener_accepts_the_test_user(
    mechanism: str, sasl_broker_url: str, broker_url: str
) -> None:
    topic = _new_topic(broker_url)

    async def produce() -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=sasl_broker_url, security_protocol="SASL_PLAINTEXT",
            sasl_mechanism=mechanism, sasl_plain_username=SASL_USER,
            sasl_plain_password=SASL_PASSWORD,
        )
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"over-sasl")
        finally:
            await producer.stop()

    asyncio.run(produce())
    assert _consume_one(broker_url, topic) == [(None, b"over-sasl")]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256"])
@pytest.mark.parametrize(("user", "password"), [("pac", "wrong"), ("nobody", SASL_PASSWORD)])
def test_sasl_listener_refuses_bad_credentials(
    mechanism: str, user: str, password: str, sasl_broker_url: str
) -> None:
    host, port = sasl_broker_url.rsplit(":", 1)

    async def connect() -> None:
        conn = await create_conn(
            host, int(port), security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism,
            sasl_plain_username=user, sasl_plain_password=password,
        )
        conn.close()

    with pytest.raises(SaslAuthenticationFailed):
        asyncio.run(connect())


@pytest.mark.timeout(120)
@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_tls_listeners_verify_with_the_services_ca(
    protocol: str, ssl_broker_url: str, sasl_ssl_broker_url: str, services_ca_file: Path,
    broker_url: str,
) -> None:
    """Both TLS listeners present a certificate that the CA verifies for 127.0.0.1 (the
    context checks the host name), and carry messages like the plain one."""
    topic = _new_topic(broker_url)
    context = ssl.create_default_context(cafile=str(services_ca_file))
    options: dict[str, Any] = {"bootstrap_servers": ssl_broker_url, "ssl_context": context,
                               "security_protocol": protocol}
    if protocol == "SASL_SSL":
        options |= {"bootstrap_servers": sasl_ssl_broker_url, "sasl_mechanism": "PLAIN",
                    "sasl_plain_username": SASL_USER, "sasl_plain_password": SASL_PASSWORD}
    producer = KafkaProducer(acks="all", **options)
    try:
        producer.send(topic, value=protocol.encode()).get(timeout=30)
    finally:
        producer.close()
    assert _consume_one(broker_url, topic) == [(None, protocol.encode())]


def test_postgres_answers(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
            version = conn.execute(sa.text("SHOW server_version")).scalar_one()
            owner = conn.execute(sa.text(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
            )).scalar_one()
    finally:
        engine.dispose()
    assert int(version.split(".")[0]) >= 13
    assert owner == "pac_grants"


def test_writer_role_has_no_ddl_rights(writer_postgres_url: str) -> None:
    engine = sa.create_engine(writer_postgres_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_user")).scalar_one() == "pac_writer"
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text("CREATE TABLE public.pac_writer_may_not (x int)"))
    finally:
        engine.dispose()


def test_fresh_postgres_database_is_empty_and_owned(fresh_postgres_url: str) -> None:
    engine = sa.create_engine(fresh_postgres_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar_one().startswith(
                "pac_test_"
            )
            assert sa.inspect(conn).get_table_names() == []
            conn.execute(sa.text("CREATE TABLE t (x int)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    finally:
        engine.dispose()


@pytest.mark.timeout(300)
def test_services_up_again_is_idempotent(services_env: dict[str, str]) -> None:
    """A second ``up`` reuses what runs and prints the same exports; ``status`` is 0."""
    again = subprocess.run(
        [str(SERVICES), "up"], capture_output=True, text=True, timeout=280, check=False,
        stdin=subprocess.DEVNULL,
    )
    assert again.returncode == 0, again.stderr
    assert parse_exports(again.stdout) == services_env
    assert "starting" not in again.stderr, f"a service was down before this `up`:\n{again.stderr}"
    status = subprocess.run(
        [str(SERVICES), "status"], capture_output=True, text=True, timeout=60, check=False
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert "kafka: running" in status.stdout
    assert "postgres: running" in status.stdout
