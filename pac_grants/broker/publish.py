"""Publishing input events with kafka-python (``pac-grants publish``, docs/cli.md s4).

Each line is validated with ``models.decode`` before it is sent: an invalid line is
reported (``file:line: code: message``) and not sent. The key is the event's (docs/events.md s1,
the topics' keys): the commune code, or the cycle for ``cycles``. ``raw`` sends lines
unvalidated (for dead-letter tests and the demo's malformed events), with a best-effort
key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from models.decode import Rejection, decode
from models.events import CommuneRegistered
from pac_grants.broker.kafka_options import check_tls, client_options
from pac_grants.settings import Settings

#: How long a producer waits for the broker to answer at start (a restarted Kafka takes
#: about 20 s); then the command fails in one line.
BOOTSTRAP_TIMEOUT_MS = 30_000
KEY_FIELDS = {"communes": "code", "cycles": "cycle", "complaints": "commune_code",
              "assessments": "commune_code", "disbursements": "commune_code"}


@dataclass(frozen=True)
class Invalid:
    line: int
    rejection: Rejection


def key_of(event: Any) -> bytes:
    """docs/events.md s1: communes by code, cycle events by cycle, the rest by commune."""
    if isinstance(event, CommuneRegistered):
        return event.code.encode("utf-8")
    code = getattr(event, "commune_code", None)
    return str(event.cycle if code is None else code).encode("utf-8")


def raw_key(logical: str, value: bytes) -> bytes | None:
    """The key field of a possibly invalid event, if it can be read; else no key."""
    try:
        found = json.loads(value).get(KEY_FIELDS[logical])
    except (ValueError, AttributeError, UnicodeDecodeError, RecursionError):
        return None
    return None if found is None or isinstance(found, dict | list) else str(found).encode()


def prepare(logical: str, lines: Iterable[bytes], raw: bool = False
            ) -> tuple[list[tuple[bytes | None, bytes]], list[Invalid]]:
    """(key, value) pairs to send and the invalid lines (1-based numbers)."""
    ready: list[tuple[bytes | None, bytes]] = []
    invalid: list[Invalid] = []
    for number, line in enumerate(lines, start=1):
        value = line.rstrip(b"\r\n")
        if not value.strip():
            continue
        if raw:
            ready.append((raw_key(logical, value), value))
            continue
        event = decode(value, logical)
        if isinstance(event, Rejection):
            invalid.append(Invalid(number, event))
        else:
            ready.append((key_of(event), value))
    return ready, invalid


def producer(settings: Settings) -> Any:
    from kafka import KafkaProducer

    check_tls(settings)
    return KafkaProducer(**client_options(settings), acks="all", linger_ms=5,
                         max_request_size=2 * 1024 * 1024, client_id="pac-grants-publish",
                         bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)


def send_all(kafka_producer: Any, topic: str, records: Iterable[tuple[bytes | None, bytes]]
             ) -> Iterator[tuple[int, int]]:
    """Send and wait; yields (partition, offset) of each record, in order."""
    futures = [kafka_producer.send(topic, key=key, value=value) for key, value in records]
    kafka_producer.flush()
    for future in futures:
        metadata = future.get(timeout=30)
        yield metadata.partition, metadata.offset
