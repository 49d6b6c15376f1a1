"""The worker's self-checks (consumer lag, ledger verification) and its money gauges at
start.

docs/operations.md "Metrics": ``pac_consumer_lag_messages{topic,partition}`` and
``pac_ledger_verify_ok`` feed two alerts (lag high, ledger verification failed), so
the worker measures them itself instead of leaving them to an outside exporter.

* Lag is the high watermark minus the group's committed offset (what
  ``kafka-consumer-groups`` calls lag): the fetch position runs ahead of what the
  ledger holds by Faust's read-ahead buffers, so it would hide a stalled database.
* Verification (docs/ledger.md "Guarantees": chain, hashes, balances) reads the whole ledger,
  so it runs in a thread, once at start and then every ``PAC_LEDGER_VERIFY_INTERVAL``
  seconds, and the event loop keeps consuming meanwhile.
* The money gauges (``pac_pool_mad`` and its siblings) are set by each allocation the
  worker computes; a restarted worker with no new input would have none until an event
  touched a cycle. So they are restored from the ledger (``Ledger.summary()``) before
  the first batch: a closed cycle's four gauges, an open cycle's pool (its provisional
  split is not in the ledger; its next computation sets it).
* The treasury gauges (``pac_ordered_mad``, ``pac_paid_mad``, ``pac_overdue_mad``,
  ``pac_to_recover_mad`` per cycle) are read from the ledger every 30 s, in a thread:
  an order becomes overdue when a day passes, with no event to say so.

The functions take plain objects so unit tests drive them with fakes; :func:`install`
wires them to a Faust app.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from fractions import Fraction
from typing import Any, Protocol

from models.codes import OrderStatus
from pac_grants import money
from pac_grants.errors import first_line
from pac_grants.ledger import Ledger
from pac_grants.observer import Observer

log = logging.getLogger("pac_grants.health")

#: Seconds between two lag measurements.
LAG_INTERVAL = 5.0
#: Seconds between two refreshes of the treasury gauges (overdue moves with the date).
TREASURY_INTERVAL = 30.0


class Consumer(Protocol):
    """What lag needs of Faust's consumer (``app.consumer``)."""

    def assignment(self) -> Any: ...

    def highwater(self, tp: Any) -> int | None: ...

    async def position(self, tp: Any) -> int | None: ...


async def report_lag(consumer: Consumer, observer: Observer) -> int:
    """Set the lag of every assigned partition; return how many were measured.

    The committed offset is the next offset to read, so ``highwater - committed`` is the
    count of messages not yet in the ledger. Before the first commit of a partition the
    position stands in (it is the committed offset, or the start, until fetching).
    A partition whose high watermark is not known yet (nothing fetched) is skipped.
    """
    committed = getattr(consumer, "_committed_offset", {})
    measured = 0
    for tp in sorted(consumer.assignment()):
        try:
            highwater = consumer.highwater(tp)
            offset = committed.get(tp)
            if offset is None and highwater is not None:
                offset = await consumer.position(tp)
        except Exception as exc:  # revoked by a rebalance between the two calls
            log.debug("lag of %s not measured: %s", tp, exc)
            continue
        if highwater is None or offset is None:
            continue
        observer.lag(tp.topic, tp.partition, highwater - offset)
        measured += 1
    return measured


def verify_ledger(ledger: Ledger, observer: Observer) -> bool | None:
    """Verify the ledger and set ``pac_ledger_verify_ok``; ``None`` if it could not run.

    A database that cannot be read is not a broken chain: the gauge keeps its last
    value (the worker's own errors and ``PacWorkerDown`` report the outage).
    """
    try:
        report = ledger.verify()
    except Exception as exc:  # the database is unreachable or refuses
        log.warning("ledger verification could not run: %s", first_line(exc))
        return None
    observer.verified(report.ok)
    if not report.ok:
        log.error("ledger verification failed: %s", report.line())
    return report.ok


def restore_money(ledger: Ledger, observer: Observer) -> int:
    """Set the money gauges from the ledger; return the number of windows restored.

    Read once, before the agents start, so that no computation of a batch can be
    overwritten by an older read. A ledger that cannot be read restores nothing (the
    worker then fails on its first batch, with the reason).
    """
    try:
        cycles = ledger.summary()
    except Exception as exc:  # the database is unreachable or refuses
        log.warning("money gauges not restored: %s", (str(exc).splitlines() or [""])[0])
        return 0
    restored = 0
    for cycle in cycles:
        closed = cycle.status == "closed"
        for w in cycle.windows:
            observer.money(cycle.cycle, w.window, _mad(w.pool),
                           _mad(w.allocated) if closed else None,
                           _mad(w.unallocated) if closed else None,
                           w.eligible if closed else None)
            restored += 1
    return restored


def report_treasury(ledger: Ledger, observer: Observer, today: date | None = None) -> int:
    """Set each cycle's ordered, paid, overdue and to-recover gauges from the ledger (as
    of ``today``: overdue moves with the calendar, not only with events); return the
    number of cycles reported, 0 if the ledger could not be read."""
    try:
        cycles = ledger.summary()
        overdue: dict[int, int] = {}
        for order in ledger.orders(as_of=today).orders:
            if order.status == OrderStatus.OVERDUE:
                overdue[order.cycle] = overdue.get(order.cycle, 0) + order.unpaid
    except Exception as exc:  # the database is unreachable or refuses
        log.warning("treasury gauges not refreshed: %s", first_line(exc))
        return 0
    for cycle in cycles:
        w = cycle.windows
        observer.treasury(cycle.cycle, _mad(sum(x.ordered for x in w)),
                          _mad(sum(x.paid for x in w)), _mad(overdue.get(cycle.cycle, 0)),
                          _mad(sum(x.to_recover for x in w)))
    return len(cycles)


def _mad(centimes: int) -> Fraction:
    """The ledger's centimes as the MAD the gauges hold (exact until the float)."""
    return Fraction(centimes, money.CENTIMES)


def install(app: Any, ledger: Ledger, observer: Observer, verify_interval: float) -> None:
    """Restore the money gauges now; register the lag timer and the ledger verification
    (at start, then periodically) on a Faust app."""
    restored = restore_money(ledger, observer)
    log.info("money gauges restored from the ledger for %d windows", restored)
    report_treasury(ledger, observer)

    async def verify() -> None:
        await asyncio.get_running_loop().run_in_executor(None, verify_ledger, ledger, observer)

    @app.timer(LAG_INTERVAL)
    async def consumer_lag() -> None:
        await report_lag(app.consumer, observer)

    @app.task
    async def verify_at_start() -> None:
        await verify()

    @app.timer(verify_interval)
    async def verify_periodically() -> None:
        await verify()

    @app.timer(TREASURY_INTERVAL)
    async def treasury() -> None:
        await asyncio.get_running_loop().run_in_executor(None, report_treasury, ledger,
                                                         observer)
