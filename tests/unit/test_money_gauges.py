"""The money gauges after a restart (pac_grants/health.py ``restore_money``).

A worker's observer sees every allocation it computes; a restarted worker starts with a
fresh registry. Restored from the ledger, a closed cycle's four gauges must equal what
the computation had set, and an open cycle gets its pool (its provisional split is not
in the ledger). The real worker is restarted by tests/integration/test_prometheus.py.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from pac_grants.health import restore_money
from pac_grants.ledger import Ledger
from pac_grants.metrics import Metrics
from pac_grants.observer import Observer
from streams.observe import report
from tests.unit import events_fixtures as ev
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, fresh, opened

CODES = ("09.001.01.01", "09.001.01.02", "09.001.01.03")
GAUGES = ("pac_pool_mad", "pac_allocated_mad", "pac_unallocated_mad", "pac_eligible_communes")


def gauges(registry: CollectorRegistry) -> dict[tuple[str, str, str], float]:
    """(metric, cycle, window) -> value of every money gauge."""
    return {(family.name, s.labels["cycle"], s.labels["window"]): s.value
            for family in registry.collect() if family.name in GAUGES
            for s in family.samples}


def test_restored_gauges_equal_what_the_computation_set(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    feed, live = Feed(url), Observer(Metrics.create())
    open_2019 = fresh(ev.cycle_opened(cycle=2019, ruleset_id="papc-2019",
                                      pools={"standard": 4_000_000}))
    outcomes = [
        feed.send("communes", *(commune(c, 100_000 * (n + 1)) for n, c in enumerate(CODES))),
        feed.send("cycles", opened(9_000_000), open_2019),
        feed.send("assessments", *(assessment(c) for c in CODES)),
        feed.send("assessments", *(assessment(c, cycle=2019, assessment_id=f"APA-2019-{c}")
                                   for c in CODES)),
        feed.send("cycles", cycle_event("CycleClosed", cycle=2021)),
    ]
    for outcome in outcomes:
        report(live, outcome)
    feed.ledger.dispose()
    assert feed.rejected == []
    before = gauges(live.metrics.registry)
    assert {cycle for _, cycle, _ in before} == {"2021", "2019"}

    restarted = Observer(Metrics.create())
    ledger = Ledger.from_url(url)
    try:
        windows = restore_money(ledger, restarted)
    finally:
        ledger.dispose()
    after = gauges(restarted.metrics.registry)
    closed = {k: v for k, v in before.items() if k[1] == "2021"}
    assert windows == 2 and len(closed) == 4
    assert {k: v for k, v in after.items() if k[1] == "2021"} == closed
    assert {k: v for k, v in after.items() if k[1] == "2019"} == {
        ("pac_pool_mad", "2019", "standard"): 4_000_000.0}
    assert before[("pac_pool_mad", "2019", "standard")] == 4_000_000.0
    assert before[("pac_allocated_mad", "2019", "standard")] > 0  # provisional, not restored


def test_an_unreadable_ledger_restores_nothing(tmp_path: Path) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'missing' / 'ledger.db'}")
    observer = Observer(Metrics.create())
    try:
        assert restore_money(ledger, observer) == 0
    finally:
        ledger.dispose()
    assert gauges(observer.metrics.registry) == {}
