"""Every Prometheus metric of pac-grants, declared once (docs/operations.md, "Metrics").

Why one module: names, labels and buckets are a contract with ``monitoring/alerts.yml``
and the Grafana dashboard, so they live in one place that tests check against the
spec. Why an injectable registry (faust's ``sensors/prometheus.py`` ``create(registry)``
idea): tests build a fresh :class:`CollectorRegistry` and read series back; nothing is
registered at import time.

Conventions (docs/operations.md s2): prefix ``pac_``, base units (seconds, MAD, messages),
counters end in ``_total`` (prometheus-client appends it), labels of low cardinality
(topic, code, stage, kind, cycle, window, partition; never a commune code).

Money gauges hold MAD as Prometheus float64 values: they are for dashboards only, never
the money of record (that is the ledger, in integer centimes). Every pool of the program
(well under 2**53 MAD) is exact in a float64.

Only :mod:`pac_grants.observer` updates these metrics; the rules never import this module.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from importlib import metadata
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

#: Per-stage processing time: sub-millisecond decode up to a slow database batch.
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
#: Pipeline latency, Kafka record timestamp to ledger commit: a batch waits up to 0.25 s
#: to fill (streams/app.py), so a worker that keeps up sits between 5 ms and 1 s; lag
#: stretches it to minutes or hours (a restart after a night's outage).
AGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0,
               60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0)
#: One ledger database transaction (possibly a batch of ledger transactions).
WRITE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: A cycle's allocation: milliseconds for 1,503 communes, seconds for 150,300.
ALLOCATION_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_CYCLE_WINDOW = ("cycle", "window")


def package_version() -> str:
    """The installed pac-grants version, for ``pac_build_info``."""
    try:
        return metadata.version("pac-grants")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "unknown"


@dataclass(frozen=True)
class Metrics:
    """All metrics of docs/operations.md s2, bound to one registry."""

    registry: CollectorRegistry
    events_consumed: Counter
    events_rejected: Counter
    events_duplicate: Counter
    processing_seconds: Histogram
    event_age_seconds: Histogram
    ledger_transactions: Counter
    ledger_write_seconds: Histogram
    allocation_seconds: Histogram
    pool_mad: Gauge
    allocated_mad: Gauge
    unallocated_mad: Gauge
    eligible_communes: Gauge
    consumer_lag_messages: Gauge
    last_processed_timestamp_seconds: Gauge
    build_info: Gauge
    ledger_verify_ok: Gauge
    cycle_state: Gauge
    complaints_open: Gauge
    ordered_mad: Gauge
    paid_mad: Gauge
    overdue_mad: Gauge
    to_recover_mad: Gauge
    batch_failures: Counter
    batch_stuck: Gauge

    @classmethod
    def create(
        cls, registry: CollectorRegistry | None = None, version: str | None = None
    ) -> Metrics:
        """Declare every metric on ``registry`` (a fresh one by default, never the global).

        A fresh registry by default means two workers in one test process never collide;
        pass ``prometheus_client.REGISTRY`` explicitly to share the process default.
        """
        reg = registry if registry is not None else CollectorRegistry()
        metrics = cls(
            registry=reg,
            events_consumed=Counter(
                "pac_events_consumed_total",
                "Input events decoded, by topic.",
                ["topic"],
                registry=reg,
            ),
            events_rejected=Counter(
                "pac_events_rejected_total",
                "Input events sent to the dead-letter topic, by source topic and error code.",
                ["topic", "code"],
                registry=reg,
            ),
            events_duplicate=Counter(
                "pac_events_duplicate_total",
                "Redelivered events whose effect already existed (idempotent no-op).",
                ["topic"],
                registry=reg,
            ),
            processing_seconds=Histogram(
                "pac_processing_seconds",
                "Time spent per pipeline stage.",
                ["stage"],
                buckets=STAGE_BUCKETS,
                registry=reg,
            ),
            event_age_seconds=Histogram(
                "pac_event_age_seconds",
                "Pipeline latency: Kafka record timestamp to ledger commit.",
                buckets=AGE_BUCKETS,
                registry=reg,
            ),
            ledger_transactions=Counter(
                "pac_ledger_transactions_total",
                "Ledger transactions committed, by kind.",
                ["kind"],
                registry=reg,
            ),
            ledger_write_seconds=Histogram(
                "pac_ledger_write_seconds",
                "Duration of one ledger database transaction.",
                buckets=WRITE_BUCKETS,
                registry=reg,
            ),
            allocation_seconds=Histogram(
                "pac_allocation_seconds",
                "Duration of one allocation recomputation.",
                buckets=ALLOCATION_BUCKETS,
                registry=reg,
            ),
            batch_failures=Counter(
                "pac_batch_failures_total",
                "Input batches the database refused (not a lost connection), by topic: "
                "bisected to set the failing message aside, or held and retried.",
                ["topic"],
                registry=reg,
            ),
            **_gauges(reg),
        )
        metrics.build_info.labels(version=version or package_version()).set(1)
        # Unknown until a verification runs: NaN, so "== 0" (the alert) is not true.
        metrics.ledger_verify_ok.set(math.nan)
        return metrics


def _gauges(reg: CollectorRegistry) -> dict[str, Gauge]:
    """The gauges, by field name (all of one type, so one typed mapping)."""

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, doc, labels, registry=reg)

    return {
        "pool_mad": gauge("pac_pool_mad", "Pool of a cycle's window, MAD.", _CYCLE_WINDOW),
        "allocated_mad": gauge(
            "pac_allocated_mad", "Allocated by the latest computation, MAD.", _CYCLE_WINDOW
        ),
        "unallocated_mad": gauge(
            "pac_unallocated_mad", "Pool left unallocated, MAD.", _CYCLE_WINDOW
        ),
        "eligible_communes": gauge(
            "pac_eligible_communes", "Eligible communes in a window.", _CYCLE_WINDOW
        ),
        "consumer_lag_messages": gauge(
            "pac_consumer_lag_messages",
            "Messages behind the partition's high watermark.",
            ("topic", "partition"),
        ),
        "last_processed_timestamp_seconds": gauge(
            "pac_last_processed_timestamp_seconds",
            "Unix time of the last event committed to the ledger.",
        ),
        "build_info": gauge("pac_build_info", "Always 1; the running version.", ("version",)),
        "ledger_verify_ok": gauge(
            "pac_ledger_verify_ok", "1 if the last ledger verification passed, 0 if not."
        ),
        "cycle_state": gauge(
            "pac_cycle_state", "1 for the state a cycle is in (open, notified, approved, "
            "reopened), 0 for the others.", ("cycle", "state")
        ),
        "complaints_open": gauge(
            "pac_complaints_open", "Complaints of a cycle not decided yet.", ("cycle",)
        ),
        # the treasury's position per cycle (docs/ledger.md s4), refreshed from the ledger
        "ordered_mad": gauge(
            "pac_ordered_mad", "Ordered and not paid yet, per cycle, MAD.", ("cycle",)
        ),
        "paid_mad": gauge("pac_paid_mad", "Paid (net of recoveries), per cycle, MAD.",
                          ("cycle",)),
        "overdue_mad": gauge(
            "pac_overdue_mad", "Unpaid rest of the orders past their due date, per cycle, "
            "MAD.", ("cycle",)
        ),
        "to_recover_mad": gauge(
            "pac_to_recover_mad", "What communes owe back on a cycle, MAD.", ("cycle",)
        ),
        "batch_stuck": gauge(
            "pac_batch_stuck", "1 while a batch of the topic is refused by the database and "
            "retried (a cycle event or payment is never set aside), else 0.", ("topic",)
        ),
    }


def serve(
    metrics: Metrics, port: int, addr: str = "127.0.0.1"
) -> tuple[WSGIServer, threading.Thread]:
    """Serve ``/metrics`` of ``metrics.registry`` in a daemon thread.

    Loopback by default (docs/operations.md s1: services on loopback); the compose stack passes
    ``0.0.0.0`` inside its private network. ``port=0`` picks a free port: read it from
    the returned server's ``server_port``. Returns ``(server, thread)``; call
    ``server.shutdown()`` to stop.
    """
    server, thread = start_http_server(port, addr=addr, registry=metrics.registry)
    return server, thread
