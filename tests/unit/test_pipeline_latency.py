"""``pac_event_age_seconds``'s source: the Kafka record's timestamp, end to end.

A record goes through the real Faust agent of streams/app.py (``test_context``, no
broker) with a record timestamp of its own; the histogram must hold its age at commit
measured from that timestamp, not from the event's ``occurred_at`` (a business time,
here years old). The real broker's timestamps are exercised by
tests/integration/test_prometheus.py.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from pac_grants.metrics import Metrics
from pac_grants.observer import Observer
from streams.app import pipeline_of
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import commune
from tests.unit.test_streams_agents import build

A = "01.001.01.01"
AGE = 4.0  # seconds between the record's timestamp and its handling


def test_latency_runs_from_the_record_timestamp_not_occurred_at(tmp_path: Path) -> None:
    metrics = Metrics.create()
    app, ledger, _sent = build(tmp_path, Observer(metrics))
    event = commune(A) | {"occurred_at": "2019-03-01T10:00:00Z"}
    produced = time.time() - AGE

    async def scenario() -> None:
        async with app.agents["t.communes"].test_context() as context:
            await context.put(ev.raw(event), key=A.encode(), timestamp=produced)
            for _ in range(300):  # the batch is handled in the database thread
                if metrics.registry.get_sample_value("pac_event_age_seconds_count"):
                    break
                await asyncio.sleep(0.05)
            pipeline_of(app).executor.shutdown(wait=True)

    asyncio.run(scenario())
    ledger.dispose()
    value = metrics.registry.get_sample_value
    assert value("pac_event_age_seconds_count") == 1
    assert AGE <= (value("pac_event_age_seconds_sum") or 0.0) < AGE + 30
    assert value("pac_event_age_seconds_bucket", {"le": "2.5"}) == 0
    assert value("pac_event_age_seconds_bucket", {"le": "30.0"}) == 1
