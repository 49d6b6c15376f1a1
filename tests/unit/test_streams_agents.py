"""The Faust agents of streams/app.py under Faust's ``test_context()`` (no broker).

The agents are thin: they hand a batch to the handler and drain the outbox. Here the
producer's send is replaced by a list (the real producer is exercised by
tests/integration/test_pipeline_e2e.py against a real Kafka broker).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from pac_grants.ledger import Ledger
from pac_grants.metrics import Metrics
from pac_grants.observer import Observer
from pac_grants.settings import Settings
from streams.app import app_options, create_app, pipeline_of
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import commune, opened

A = "01.001.01.01"


def build(tmp_path: Path, observer: Observer | None = None) -> tuple[Any, Ledger, list[Any]]:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.upgrade()
    app = create_app(Settings(broker_url="kafka://127.0.0.1:1", topic_prefix="t."), ledger,
                     observer)
    app.finalize()
    sent: list[tuple[str, bytes | None, bytes]] = []

    async def send(topic: str, key: bytes | None, value: bytes) -> Any:
        sent.append((topic, key, value))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    pipeline_of(app).send = send  # type: ignore[method-assign]
    return app, ledger, sent


async def feed(app: Any, agent: str, values: list[tuple[bytes, bytes]]) -> None:
    async with app.agents[agent].test_context() as context:
        for key, value in values:
            await context.put(value, key=key)
        await handled(pipeline_of(app).ledger, len(values))
        await pipeline_of(app).publish_provisional()  # what the worker's timer does


async def handled(ledger: Ledger, count: int) -> None:
    """Until ``count`` messages are committed and their outputs sent (the batch is
    handled in the handler's process, started at the first batch: up to seconds)."""
    for _ in range(600):
        with ledger.reader() as reader:
            committed = sum(o + 1 for o in reader.state.all_offsets().values())
        with ledger.unit_of_work(chain=False) as uow:
            if committed >= count and uow.outbox.count() == 0:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} messages not handled within 30 s")


def test_agent_commits_state_then_sends_dead_letters(tmp_path: Path) -> None:
    app, ledger, sent = build(tmp_path)
    asyncio.run(feed(app, "t.communes", [(A.encode(), ev.raw(commune(A))), (b"k", b"{bad")]))
    with ledger.reader() as reader:
        assert list(reader.state.communes()) == [A]
        assert reader.state.all_offsets() == {("t.communes.v1", 0): 1}
    with ledger.unit_of_work(chain=False) as uow:
        assert uow.outbox.count() == 0  # drained after the send
    [(topic, key, value)] = sent
    record = json.loads(value)
    assert (topic, key, record["error"]["code"], record["raw_value"]) == (
        "t.dead-letters.v1", b"k", "malformed_json", "{bad")


def test_agent_defers_provisional_allocation_to_the_timer(tmp_path: Path) -> None:
    metrics = Metrics.create()
    app, _ledger, sent = build(tmp_path, Observer(metrics))

    async def scenario() -> None:
        async with app.agents["t.cycles"].test_context() as context:
            await context.put(ev.raw(opened(1_000_000)), key=b"2021")
            for _ in range(300):  # the batch is handled in the database thread
                if pipeline_of(app).provisional:
                    break
                await asyncio.sleep(0.05)
            assert sent == []  # debounced: nothing until the timer
            assert pipeline_of(app).provisional == {2021}
            await pipeline_of(app).publish_provisional()

    asyncio.run(scenario())
    [(topic, key, value)] = sent
    result = json.loads(value)
    assert (topic, key, result["status"], result["window"]) == (
        "t.allocations.v1", b"2021:standard", "provisional", "standard")
    assert result["windows"][0]["unallocated"] == 1_000_000
    consumed = metrics.registry.get_sample_value("pac_events_consumed_total",
                                                 {"topic": "t.cycles.v1"})
    written = metrics.registry.get_sample_value("pac_ledger_transactions_total",
                                                {"kind": "envelope"})
    assert (consumed, written) == (1.0, 1.0)


def test_app_options_are_json_bytes_at_least_once() -> None:
    options = app_options(Settings(broker_url="kafka://127.0.0.1:9092"))
    assert options["value_serializer"] == options["key_serializer"] == "raw"
    assert options["processing_guarantee"] == "at_least_once"
    assert options["broker_session_timeout"] <= 10
