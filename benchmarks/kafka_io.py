"""Kafka with aiokafka and nothing else: fast publishing, and the physical limits the
pipeline is measured against (docs/operations.md s5: raw consumption, raw
produce-to-consume round trip on the same broker)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

Record = tuple[bytes | None, bytes]


async def produce(bootstrap: str, topic: str, records: Sequence[Record]) -> list[Any]:
    """Send everything as fast as aiokafka goes; returns the RecordMetadata of each."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5,
                                max_batch_size=256 * 1024, acks=1)
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in records]
        return list(await asyncio.gather(*futures))
    finally:
        await producer.stop()


async def paced(bootstrap: str, topic: str, rate: float, count: int,
                make: Callable[[int], Record]) -> list[tuple[float, Any]]:
    """``count`` records at a steady ``rate`` per second; (send time, metadata) each.
    ``make(i)`` builds record i at its send time (its ``occurred_at`` is now)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, acks=1)
    await producer.start()
    sent: list[tuple[float, Any]] = []
    try:
        start = time.monotonic()
        pending = []
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            key, value = make(i)
            pending.append((time.time(), await producer.send(topic, value, key=key)))
        for moment, future in pending:
            sent.append((moment, await future))
        return sent
    finally:
        await producer.stop()


async def consume_all(bootstrap: str, topic: str, count: int, timeout: float = 600
                      ) -> float:
    """Raw consumption, no processing: events per second from first to last record."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:  # from the first fetch request to the last record (start-up excluded)
        seen, first, deadline = 0, time.monotonic(), time.monotonic() + timeout
        while seen < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
            seen += sum(len(records) for records in batches.values())
        if seen < count:
            raise SystemExit(f"benchmarks: raw consumer saw {seen} of {count}")
        return count / max(time.monotonic() - first, 1e-9)
    finally:
        await consumer.stop()


async def round_trip(bootstrap: str, topic: str, rate: float, count: int) -> list[float]:
    """Produce-to-consume latencies (seconds) at a steady rate on the same broker."""
    await produce(bootstrap, topic, [(b"warm-up", b"warm-up")])  # the topic exists
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="latest", enable_auto_commit=False,
                                fetch_max_wait_ms=10)
    await consumer.start()
    await consumer.seek_to_end()
    received: dict[bytes, float] = {}

    async def receive() -> None:
        while len(received) < count:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.time()
            for records in batches.values():
                for record in records:
                    received[record.value] = now

    receiver = asyncio.create_task(receive())
    try:
        await asyncio.sleep(1.0)  # partitions assigned, position at the end
        sent = await paced(bootstrap, topic, rate, count,
                           lambda i: (str(i).encode(), f"{i}".encode()))
        await asyncio.wait_for(receiver, timeout=60)
    finally:
        receiver.cancel()
        await consumer.stop()
    by_value = {str(i).encode(): moment for i, (moment, _meta) in enumerate(sent)}
    return [received[v] - by_value[v] for v in by_value if v in received]
