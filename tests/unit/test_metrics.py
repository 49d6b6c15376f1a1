"""The metrics contract of docs/operations.md ("Metrics") and the observer that moves it."""

from __future__ import annotations

import math
import urllib.request
from decimal import Decimal

import pytest
from prometheus_client import CollectorRegistry

from pac_grants.metrics import AGE_BUCKETS, Metrics, package_version, serve
from pac_grants.observer import Observer

NOW = 1_700_000_000.0
ASSESSMENTS = "pac.assessments.v1"

#: docs/operations.md "Metrics", transcribed: exposed name -> (type, label names).
SPEC: dict[str, tuple[str, set[str]]] = {
    "pac_events_consumed_total": ("counter", {"topic"}),
    "pac_events_rejected_total": ("counter", {"topic", "code"}),
    "pac_events_duplicate_total": ("counter", {"topic"}),
    "pac_processing_seconds": ("histogram", {"stage"}),
    "pac_event_age_seconds": ("histogram", set()),
    "pac_ledger_transactions_total": ("counter", {"kind"}),
    "pac_ledger_write_seconds": ("histogram", set()),
    "pac_allocation_seconds": ("histogram", set()),
    "pac_pool_mad": ("gauge", {"cycle", "window"}),
    "pac_allocated_mad": ("gauge", {"cycle", "window"}),
    "pac_unallocated_mad": ("gauge", {"cycle", "window"}),
    "pac_eligible_communes": ("gauge", {"cycle", "window"}),
    "pac_consumer_lag_messages": ("gauge", {"topic", "partition"}),
    "pac_last_processed_timestamp_seconds": ("gauge", set()),
    "pac_build_info": ("gauge", {"version"}),
    # docs/operations.md "Metrics": the last verification, for its alert.
    "pac_ledger_verify_ok": ("gauge", set()),
    # docs/operations.md "Metrics": the approval lifecycle.
    "pac_cycle_state": ("gauge", {"cycle", "state"}),
    "pac_complaints_open": ("gauge", {"cycle"}),
    # docs/operations.md "Metrics": the treasury's position per cycle.
    "pac_ordered_mad": ("gauge", {"cycle"}),
    "pac_paid_mad": ("gauge", {"cycle"}),
    "pac_overdue_mad": ("gauge", {"cycle"}),
    "pac_to_recover_mad": ("gauge", {"cycle"}),
    # docs/operations.md "Alerts": a batch the database refuses (docs/pipeline.md).
    "pac_batch_failures_total": ("counter", {"topic"}),
    "pac_batch_stuck": ("gauge", {"topic"}),
}


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def observer(registry: CollectorRegistry) -> Observer:
    return Observer(Metrics.create(registry, version="1.2.3"), clock=lambda: NOW)


def exercise(observer: Observer) -> None:
    """One call of every observer method, so that every labelled series exists."""
    observer.consumed(ASSESSMENTS, 3)
    observer.rejected(ASSESSMENTS, "unknown_commune")
    observer.duplicate(ASSESSMENTS)
    with observer.stage("decode"):
        pass
    observer.ledger_written({"allocation": 1}, 0.02)
    observer.event_committed(NOW - 2)
    observer.allocation_computed(2021, "standard", 1_500_000_000, 1_499_999_990, 10, 97, 0.05)
    observer.lag(ASSESSMENTS, 3, 42)
    observer.verified(True)
    observer.cycle_life(2021, "notified", 2)
    observer.treasury(2021, 1_000_000, 500_000, 250_000, 12_500)
    observer.batch_failed(ASSESSMENTS)
    observer.batch_stuck(ASSESSMENTS, False)


def exposed(registry: CollectorRegistry) -> dict[str, tuple[str, set[str]]]:
    """Exposed metric name -> (type, label names of its samples, ``le`` excluded)."""
    found: dict[str, tuple[str, set[str]]] = {}
    for family in registry.collect():
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = {k for s in family.samples for k in s.labels if k != "le"}
        found[name] = (family.type, labels)
    return found


def test_every_metric_of_the_spec_is_declared_with_its_labels(
    registry: CollectorRegistry, observer: Observer
) -> None:
    exercise(observer)
    assert exposed(registry) == SPEC


def test_counters_end_in_total_and_nothing_else_does(
    registry: CollectorRegistry, observer: Observer
) -> None:
    exercise(observer)
    for family in registry.collect():
        for sample in family.samples:
            is_total = sample.name.endswith("_total")
            assert is_total == (family.type == "counter" and not sample.name.endswith("_created"))
            assert sample.name.startswith("pac_")


def test_create_never_touches_the_global_registry() -> None:
    # Twice in one process: a collision in a shared registry would raise ValueError.
    first, second = Metrics.create(), Metrics.create()
    assert first.registry is not second.registry


def test_build_info_carries_the_version(registry: CollectorRegistry) -> None:
    Metrics.create(registry)
    assert registry.get_sample_value("pac_build_info", {"version": package_version()}) == 1
    assert package_version() != "unknown"  # the package is installed in the venv


def test_event_counters(registry: CollectorRegistry, observer: Observer) -> None:
    observer.consumed(ASSESSMENTS)
    observer.consumed(ASSESSMENTS, 4)
    observer.rejected(ASSESSMENTS, "malformed_json")
    observer.rejected(ASSESSMENTS, "malformed_json")
    observer.duplicate("pac.cycles.v1")
    observer.duplicate("pac.cycles.v1", 2)
    value = registry.get_sample_value
    assert value("pac_events_consumed_total", {"topic": ASSESSMENTS}) == 5
    rejected = "pac_events_rejected_total"
    assert value(rejected, {"topic": ASSESSMENTS, "code": "malformed_json"}) == 2
    assert value(rejected, {"topic": ASSESSMENTS, "code": "unknown_cycle"}) is None
    assert value("pac_events_duplicate_total", {"topic": "pac.cycles.v1"}) == 3


def test_stage_timer_counts_successes_and_failures(
    registry: CollectorRegistry, observer: Observer
) -> None:
    with observer.stage("ledger"):
        pass
    with pytest.raises(RuntimeError), observer.stage("ledger"):
        raise RuntimeError("database down")
    assert registry.get_sample_value("pac_processing_seconds_count", {"stage": "ledger"}) == 2
    assert registry.get_sample_value("pac_processing_seconds_count", {"stage": "decode"}) is None


def test_ledger_written_counts_by_kind(registry: CollectorRegistry, observer: Observer) -> None:
    observer.ledger_written({"envelope": 2, "allocation": 1, "disbursement": 0}, 0.25)
    observer.ledger_written({"envelope": 1}, 0.75)
    value = registry.get_sample_value
    assert value("pac_ledger_transactions_total", {"kind": "envelope"}) == 3
    assert value("pac_ledger_transactions_total", {"kind": "allocation"}) == 1
    assert value("pac_ledger_transactions_total", {"kind": "disbursement"}) is None
    assert value("pac_ledger_write_seconds_count") == 2
    assert value("pac_ledger_write_seconds_sum") == pytest.approx(1.0)


def test_liveness_starts_with_the_observer(registry: CollectorRegistry) -> None:
    Observer(Metrics.create(registry), clock=lambda: 123.0)
    assert registry.get_sample_value("pac_last_processed_timestamp_seconds") == 123.0


def test_event_committed_observes_pipeline_latency_and_liveness(
    registry: CollectorRegistry, observer: Observer
) -> None:
    """From the Kafka record's timestamp (seconds) to now; no timestamp: liveness only."""
    observer.metrics.last_processed_timestamp_seconds.set(0)
    observer.event_committed(NOW - 0.03)
    observer.event_committed(NOW - 7)
    observer.event_committed(NOW + 60)  # the producer's clock is ahead: latency 0
    observer.event_committed(None)
    value = registry.get_sample_value
    assert value("pac_event_age_seconds_count") == 3
    assert value("pac_event_age_seconds_sum") == pytest.approx(7.03)
    assert value("pac_event_age_seconds_bucket", {"le": "0.005"}) == 1
    assert value("pac_event_age_seconds_bucket", {"le": "0.05"}) == 2
    assert value("pac_event_age_seconds_bucket", {"le": "10.0"}) == 3
    assert value("pac_last_processed_timestamp_seconds") == NOW


def test_latency_buckets_fit_a_pipeline_that_keeps_up_and_one_that_lags() -> None:
    """Sub-second resolution where a healthy worker sits (a batch waits up to 0.25 s),
    and buckets up to a day so that a backlog is not all in ``+Inf``."""
    assert min(AGE_BUCKETS) <= 0.01 and sum(b <= 1.0 for b in AGE_BUCKETS) >= 7
    assert max(AGE_BUCKETS) >= 86_400
    assert list(AGE_BUCKETS) == sorted(AGE_BUCKETS)


def test_allocation_computed_sets_the_money_gauges(
    registry: CollectorRegistry, observer: Observer
) -> None:
    observer.allocation_computed(
        2021, "standard", 1_500_000_000, Decimal("1499999990"), 10, 97, 0.125
    )
    labels = {"cycle": "2021", "window": "standard"}
    value = registry.get_sample_value
    assert value("pac_pool_mad", labels) == 1_500_000_000
    assert value("pac_allocated_mad", labels) == 1_499_999_990
    assert value("pac_unallocated_mad", labels) == 10
    assert value("pac_eligible_communes", labels) == 97
    assert value("pac_allocation_seconds_sum") == 0.125


def test_lag_is_per_partition_and_never_negative(
    registry: CollectorRegistry, observer: Observer
) -> None:
    observer.lag(ASSESSMENTS, 0, 120)
    observer.lag(ASSESSMENTS, 1, -3)
    value = registry.get_sample_value
    assert value("pac_consumer_lag_messages", {"topic": ASSESSMENTS, "partition": "0"}) == 120
    assert value("pac_consumer_lag_messages", {"topic": ASSESSMENTS, "partition": "1"}) == 0


def test_verified_sets_one_or_zero(registry: CollectorRegistry, observer: Observer) -> None:
    assert math.isnan(registry.get_sample_value("pac_ledger_verify_ok") or 0.0)  # not yet run
    observer.verified(True)
    assert registry.get_sample_value("pac_ledger_verify_ok") == 1
    observer.verified(False)
    assert registry.get_sample_value("pac_ledger_verify_ok") == 0


def test_serve_exposes_the_registry_over_http(observer: Observer) -> None:
    exercise(observer)
    server, thread = serve(observer.metrics, 0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        url = f"http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
            body = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert f'pac_events_consumed_total{{topic="{ASSESSMENTS}"}} 3.0' in body
    assert 'pac_build_info{version="1.2.3"} 1.0' in body
    for name in SPEC:
        assert f"\n{name}" in body, name


def test_a_cycle_has_one_state_at_a_time(registry: CollectorRegistry,
                                         observer: Observer) -> None:
    observer.cycle_life(2021, "notified", 3)
    observer.cycle_life(2021, "approved", 0)
    states = {state: registry.get_sample_value("pac_cycle_state",
                                               {"cycle": "2021", "state": state})
              for state in ("open", "notified", "approved", "reopened")}
    assert states == {"open": 0, "notified": 0, "approved": 1, "reopened": 0}
    assert registry.get_sample_value("pac_complaints_open", {"cycle": "2021"}) == 0


def test_a_refused_batch_counts_and_a_held_one_raises_the_stuck_gauge(
        registry: CollectorRegistry, observer: Observer) -> None:
    cycles = "pac.cycles.v1"
    observer.batch_failed(cycles)
    observer.batch_stuck(cycles, True)
    observer.batch_failed(cycles)
    assert registry.get_sample_value("pac_batch_failures_total", {"topic": cycles}) == 2
    assert registry.get_sample_value("pac_batch_stuck", {"topic": cycles}) == 1
    observer.batch_stuck(cycles, False)
    assert registry.get_sample_value("pac_batch_stuck", {"topic": cycles}) == 0
