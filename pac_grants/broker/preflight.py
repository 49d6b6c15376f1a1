"""Checking the broker before the worker starts (docs/cli.md s5: errors in one line).

Faust reports a refused SASL login as a traceback after its own retries. The worker
first connects once with aiokafka and the same settings: a refused login fails at once
with aiokafka's reason (never the password: the line goes through the redactor); a
broker that does not answer is retried for ``timeout`` seconds, then reported. With TLS,
a broker certificate that ``PAC_KAFKA_SSL_CAFILE`` does not verify fails at once too
(:func:`pac_grants.broker.kafka_options.check_tls`).
"""

from __future__ import annotations

import asyncio
import logging
import time

from pac_grants.broker.kafka_options import KafkaSecurityError, check_tls, client_options
from pac_grants.errors import first_line
from pac_grants.logging_setup import Redactor, secret_values
from pac_grants.settings import Settings


class BrokerUnavailable(RuntimeError):
    """The broker refused or did not answer; ``str()`` is one line without secrets."""


class _Reasons(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(first_line(record.getMessage()))


async def _connect(settings: Settings) -> None:
    from aiokafka.client import AIOKafkaClient

    client = AIOKafkaClient(**client_options(settings), request_timeout_ms=10_000)
    try:
        await client.bootstrap()
    finally:
        await client.close()


def check_broker(settings: Settings, timeout: float = 30.0) -> None:
    """Return once the broker accepts a connection; else :class:`BrokerUnavailable`."""
    redact = Redactor(secret_values(settings))
    try:
        check_tls(settings)
    except KafkaSecurityError as exc:
        raise BrokerUnavailable(redact(str(exc))) from None
    reasons = _Reasons()
    logger = logging.getLogger("aiokafka")
    logger.addHandler(reasons)
    deadline = time.monotonic() + timeout
    try:
        while True:
            reasons.lines.clear()
            try:
                asyncio.run(_connect(settings))
                return
            except Exception as exc:
                reason = next((line for line in reasons.lines if "Authentication" in line),
                              None)
                if reason is not None or time.monotonic() > deadline:
                    text = reason or (reasons.lines[-1] if reasons.lines else str(exc))
                    raise BrokerUnavailable(redact(f"Kafka: {text}")) from None
            time.sleep(1.0)
    finally:
        logger.removeHandler(reasons)
