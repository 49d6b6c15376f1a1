"""The soak's input: an endless stream of valid events for a sample program, paced.

``EventSource`` continues a program of ``pac_grants.scenario`` after its assessments
phase (``preloaded``: its communes, cycle openings and accepted assessments, with the
co-financing of 2022's pool): each event is either a new revision of one (cycle,
commune) assessment (the next revision number, fresh values, so it always counts),
dated inside its cycle's assessment period (``calendar.assessed_on``: February 1 to
April 10 of the grant year), or a commune's new registration (populations moved by up
to 2%, kept in the same window of every cycle's ruleset, so no counted assessment is
lost and no revision is refused), dated after the reference data's registration and
before the first cycle's notification, while no cycle is notified or approved. Every
event it makes is applied to the independent reference of
tests/integration/pipeline_support.py, which the ledger is compared with at the end.
``Publisher`` sends the events from a thread at a steady rate with aiokafka and counts
what the broker acknowledged, per topic.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from pac_grants.rules.ruleset import Ruleset, packaged_ruleset
from pac_grants.scenario import Message, Program, calendar
from pac_grants.scenario.assessments import AssessmentBook
from pac_grants.scenario.communes import CommuneRow
from pac_grants.scenario.encoding import Stamper, loads
from pac_grants.scenario.messages import Draft
from tests.integration.pipeline_support import Reference

#: The program's phases processed before the load, in this order.
PRELOADED = ("reference", "open", "assessments")


def preloaded(program: Program) -> list[list[Message]]:
    """The accepted messages of each phase of :data:`PRELOADED` (the refused ones, a
    stale revision and a payment of a cycle not approved, would be dead letters)."""
    phases = {p.name: p for p in program.phases}
    return [[m for m in phases[name].messages if m.expect_rejection is None]
            for name in PRELOADED]


def revisions_sent(messages: list[Message]) -> dict[tuple[int, str], int]:
    """The highest revision of each (cycle, commune) among ``messages``' assessments."""
    highest: dict[tuple[int, str], int] = {}
    for message in messages:
        if message.topic == "assessments":
            event = loads(message.value)
            key = (int(event["cycle"]), str(event["commune_code"]))
            highest[key] = max(highest.get(key, 0), int(event["revision"]))
    return highest


class EventSource:
    """Revisions and commune updates that follow ``program``'s assessments phase."""

    def __init__(self, program: Program, seed: int, update_share: float) -> None:
        self.rng = random.Random(f"pac-grants-soak:{seed}")
        # Another id stream than the program's (whose seed is ``seed``): ids never repeat.
        self.stamper = Stamper(seed + 1)
        self.rulesets: dict[int, Ruleset] = {}
        for cycle in program.cycles:
            ruleset = packaged_ruleset(cycle)
            assert ruleset is not None, f"no packaged ruleset for cycle {cycle}"
            self.rulesets[cycle] = ruleset
        self.original = {row["code"]: row for row in program.communes}
        self.book = AssessmentBook([dict(r) for r in program.communes], self.rulesets,
                                   self.rng, self.stamper)
        self.revisions = revisions_sent(preloaded(program)[-1])
        first = program.cycles[0]
        self.updates = (calendar.registered_on(first) + timedelta(days=1),
                        calendar.notified_on(first) - timedelta(days=1))
        self.keys = sorted(self.revisions)
        self.update_share = update_share
        self.reference = Reference()
        self.made: Counter[str] = Counter()  # event type -> count

    def next(self) -> Message:
        """The next event, already applied to the reference."""
        if self.rng.random() < self.update_share:
            message = self._commune_update()
        else:
            message = self._revision()
        self.reference.apply(message)
        return message

    def _revision(self) -> Message:
        cycle, code = self.rng.choice(self.keys)
        self.revisions[(cycle, code)] += 1
        self.made["AssessmentSubmitted"] += 1
        draft = self.book.submit(cycle, code, self.revisions[(cycle, code)])
        return draft.encode(self.stamper)

    def _commune_update(self) -> Message:
        code = self.rng.choice(sorted(self.original))
        row = self.moved(self.original[code])
        self.book.communes[code] = row
        self.made["CommuneRegistered"] += 1
        draft = Draft("communes", code, "CommuneRegistered", self.stamper.event_id(), row,
                      self.update_day())
        return draft.encode(self.stamper)

    def update_day(self) -> date:
        """A day of :attr:`updates`: every cycle is open then (none notified yet)."""
        first, last = self.updates
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def moved(self, row: CommuneRow) -> CommuneRow:
        """``row`` with populations within 2% of the registered ones, in the same window
        of every ruleset (else as registered: a commune at a window's border stays put)."""
        for _attempt in range(5):
            population = {census: max(1_000, round(n * self.rng.uniform(0.98, 1.02)))
                          for census, n in row["population"].items()}
            if all(self._window(rs, population) == self._window(rs, row["population"])
                   for rs in self.rulesets.values()):
                return {**row, "population": population}
        return dict(row)

    @staticmethod
    def _window(ruleset: Ruleset, population: dict[str, int]) -> str | None:
        window = ruleset.window_of(population[str(ruleset.population_census)])
        return None if window is None else window.id


class Publisher(threading.Thread):
    """Sends ``source``'s events at ``rate`` per second until stopped."""

    def __init__(self, bootstrap: str, topics: dict[str, str], source: EventSource,
                 rate: float) -> None:
        super().__init__(name="soak-publisher", daemon=True)
        self.bootstrap, self.topics, self.source, self.rate = bootstrap, topics, source, rate
        # full topic name -> acknowledged messages; every key there from the start, so
        # the soak's thread can sum it while this one counts
        self.acked: Counter[str] = Counter({name: 0 for name in topics.values()})
        self.sent = 0
        self.error: str | None = None
        self._stop_requested = threading.Event()

    def stop(self) -> None:
        """Stop sending; returns once every sent message is acknowledged (or failed)."""
        self._stop_requested.set()
        self.join(120)

    def run(self) -> None:
        try:
            asyncio.run(self._send())
        except Exception as exc:  # reported by the soak loop, which stops the run
            self.error = f"{type(exc).__name__}: {exc}"

    async def _send(self) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, linger_ms=5, acks=1)
        await producer.start()
        try:
            started = time.monotonic()
            while not self._stop_requested.is_set() and self.error is None:
                delay = started + self.sent / self.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(min(delay, 0.5))
                    continue
                message = self.source.next()
                name = self.topics[message.topic]
                future = await producer.send(name, message.value, key=message.key)
                future.add_done_callback(lambda f, n=name: self._done(n, f))
                self.sent += 1
            await producer.flush()
        finally:
            await producer.stop()

    def _done(self, name: str, future: Any) -> None:
        if future.cancelled() or future.exception() is not None:
            failure = "cancelled" if future.cancelled() else future.exception()
            self.error = f"publishing to {name} failed: {failure}"
        else:
            self.acked[name] += 1
