"""The worker's lag and ledger checks (pac_grants/health.py), the settings they read, and
the per-stage timing of a batch (docs/operations.md "Metrics").

Lag runs against a fake of Faust's consumer (the real one is exercised by
tests/integration/test_worker_metrics.py); verification runs on a real SQLite ledger
written by the batch handler.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import NamedTuple

import pytest
from prometheus_client import CollectorRegistry

from pac_grants.health import report_lag, verify_ledger
from pac_grants.ledger import Ledger
from pac_grants.metrics import Metrics
from pac_grants.observer import Observer
from pac_grants.settings import Settings
from streams.messages import BatchOutcome
from streams.observe import report
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, opened

A = "09.001.01.01"


class TP(NamedTuple):
    topic: str
    partition: int


class FakeConsumer:
    """Faust's consumer as lag sees it: committed offsets, positions, high watermarks."""

    def __init__(self, highwater: dict[TP, int | None], committed: dict[TP, int],
                 position: dict[TP, int]) -> None:
        self._highwater, self._committed_offset, self._position = highwater, committed, position

    def assignment(self) -> set[TP]:
        return set(self._highwater)

    def highwater(self, tp: TP) -> int | None:
        return self._highwater[tp]

    async def position(self, tp: TP) -> int | None:
        if tp not in self._position:
            raise RuntimeError("partition revoked")
        return self._position[tp]


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def observer(registry: CollectorRegistry) -> Observer:
    return Observer(Metrics.create(registry), clock=lambda: 1_700_000_000.0)


def lag(registry: CollectorRegistry, topic: str, partition: int) -> float | None:
    return registry.get_sample_value("pac_consumer_lag_messages",
                                     {"topic": topic, "partition": str(partition)})


def test_lag_is_highwater_minus_committed_not_the_fetch_position(
        registry: CollectorRegistry, observer: Observer) -> None:
    a0, a1, a2, a3 = (TP("pac.assessments.v1", n) for n in range(4))
    consumer = FakeConsumer(
        highwater={a0: 120, a1: 7, a2: None, a3: 50},
        committed={a0: 100},  # a1: nothing committed yet -> its position stands in
        position={a0: 120, a1: 2})  # a3: revoked between assignment() and position()
    measured = asyncio.run(report_lag(consumer, observer))
    assert measured == 2
    assert lag(registry, a0.topic, 0) == 20  # fetched up to 120, only 100 in the ledger
    assert lag(registry, a1.topic, 1) == 5
    assert lag(registry, a2.topic, 2) is None  # no high watermark: nothing fetched yet
    assert lag(registry, a3.topic, 3) is None


def test_lag_reaches_zero_when_everything_is_committed(
        registry: CollectorRegistry, observer: Observer) -> None:
    tp = TP("pac.cycles.v1", 0)
    asyncio.run(report_lag(FakeConsumer({tp: 9}, {tp: 3}, {}), observer))
    assert lag(registry, tp.topic, 0) == 6
    asyncio.run(report_lag(FakeConsumer({tp: 9}, {tp: 9}, {}), observer))
    assert lag(registry, tp.topic, 0) == 0


def closed_cycle(feed: Feed) -> list[BatchOutcome]:
    """A commune, a cycle, an assessment and the closing: ledger transactions posted."""
    return [feed.send("communes", commune(A)), feed.send("cycles", opened()),
            feed.send("assessments", assessment(A)),
            feed.send("cycles", cycle_event("CycleClosed", cycle=2021))]


def test_verify_sets_one_then_zero_once_the_ledger_is_altered(
        registry: CollectorRegistry, observer: Observer, tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    feed = Feed(f"sqlite:///{path}")
    try:
        closed_cycle(feed)
        assert verify_ledger(feed.ledger, observer) is True
        assert registry.get_sample_value("pac_ledger_verify_ok") == 1
        with sqlite3.connect(path) as db:
            db.execute("UPDATE ledger_postings SET amount = amount + 1 WHERE position = 0")
        assert verify_ledger(feed.ledger, observer) is False
        assert registry.get_sample_value("pac_ledger_verify_ok") == 0
    finally:
        feed.ledger.dispose()


def test_verify_that_cannot_run_keeps_the_gauge(
        registry: CollectorRegistry, observer: Observer, tmp_path: Path) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    try:
        observer.verified(True)
        assert verify_ledger(ledger, observer) is None  # no tables: not a broken chain
        assert registry.get_sample_value("pac_ledger_verify_ok") == 1
    finally:
        ledger.dispose()


def test_worker_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("METRICS_ADDR", "LOG_FORMAT", "LEDGER_VERIFY_INTERVAL"):
        monkeypatch.delenv(f"PAC_{name}", raising=False)
    defaults = Settings()
    assert (defaults.metrics_addr, defaults.log_format, defaults.ledger_verify_interval) == (
        "127.0.0.1", "text", 60.0)
    monkeypatch.setenv("PAC_METRICS_ADDR", "0.0.0.0")
    monkeypatch.setenv("PAC_LOG_FORMAT", "json")
    monkeypatch.setenv("PAC_LEDGER_VERIFY_INTERVAL", "2.5")
    chosen = Settings()
    assert (chosen.metrics_addr, chosen.log_format, chosen.ledger_verify_interval) == (
        "0.0.0.0", "json", 2.5)
    for name, bad in (("PAC_LOG_FORMAT", "xml"), ("PAC_LEDGER_VERIFY_INTERVAL", "0")):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ValueError):
            Settings()
        monkeypatch.delenv(name)


def test_a_batch_reports_the_time_of_each_stage(registry: CollectorRegistry,
                                                observer: Observer) -> None:
    feed = Feed()
    try:
        outcomes = closed_cycle(feed)
    finally:
        feed.ledger.dispose()
    closing = outcomes[-1]
    assert set(closing.stages) == {"ledger", "decode", "handle", "allocation"}
    assert 0 < sum(closing.stages.values()) <= closing.seconds
    for outcome in outcomes:
        report(observer, outcome)
    for stage in closing.stages:
        labels = {"stage": stage}
        assert registry.get_sample_value("pac_processing_seconds_count", labels) == 4
        assert registry.get_sample_value("pac_processing_seconds_sum", labels) == pytest.approx(
            sum(o.stages[stage] for o in outcomes))
