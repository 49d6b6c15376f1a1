"""Cycle events, and the cycles as the calculator will see them (docs/events.md "Cycles").

:class:`Cycles` makes ``CycleOpened``, ``PoolAdjusted``, ``ResultsNotified``,
``CycleClosed`` and ``CycleReopened`` and keeps what they change: the pools, which cycles
are approved, and the commune data each approval freezes (docs/events.md "Frozen
reference data"). Each closing names the results it approves (``inputs_digest``,
computed by the same engine as the calculator), so an approval of figures that moved
since they were read is refused (``inputs_changed``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pac_grants.rules.engine import inputs_digest
from pac_grants.rules.ruleset import Ruleset
from pac_grants.scenario import calendar, final
from pac_grants.scenario.assessments import AssessmentBook
from pac_grants.scenario.communes import CommuneRow
from pac_grants.scenario.encoding import Stamper
from pac_grants.scenario.messages import Draft


class Cycles:
    """The program's cycles: pools, notifications, approvals and their frozen data."""

    def __init__(self, rulesets: dict[int, Ruleset], pools: dict[int, dict[str, int]],
                 registry: list[CommuneRow], book: AssessmentBook, stamper: Stamper) -> None:
        self.rulesets, self.pools, self.book, self.stamper = rulesets, pools, book, stamper
        self.registry = list(registry)  # the commune data as last registered
        self.frozen: dict[int, list[CommuneRow]] = {}  # of each cycle's last approval
        self.approvals: dict[int, list[date]] = {}  # closed_on of each approval
        self.approved: set[int] = set()
        self.notified: dict[int, str] = {}  # cycle -> inputs digest when notified

    def event(self, cycle: int, event_type: str, body: dict[str, Any], on: date,
              expect: str | None = None) -> Draft:
        return Draft("cycles", str(cycle), event_type, self.stamper.event_id(),
                     {"cycle": cycle, **body}, on, expect)

    def openings(self) -> list[Draft]:
        return [self.event(c, "CycleOpened", {"ruleset_id": rs.id, "pools": dict(self.pools[c])},
                           calendar.opened_on(c)) for c, rs in self.rulesets.items()]

    def pool_change(self, cycle: int, window: str, pool: int, on: date) -> Draft:
        """A window's new pool; it counts unless the cycle is approved (``cycle_closed``)."""
        expect = "cycle_closed" if cycle in self.approved else None
        if expect is None:
            self.pools[cycle][window] = pool
        return self.event(cycle, "PoolAdjusted", {"window": window, "pool_mad": pool}, on,
                          expect)

    def notify(self, cycle: int) -> Draft:
        self.notified[cycle] = self.digest(cycle)
        return self.event(cycle, "ResultsNotified", {
            "notified_on": calendar.notified_on(cycle).isoformat(),
            "complaint_deadline": calendar.complaint_deadline(cycle).isoformat()},
            calendar.notified_on(cycle))

    def digest(self, cycle: int) -> str:
        """The ``inputs_digest`` of the cycle's current inputs (what the calculator shows)."""
        assessments = {code: final.to_assessment({**draft.payload, "event_id": draft.event_id})
                       for (c, code), draft in self.book.held.items() if c == cycle}
        return inputs_digest(self.rulesets[cycle], map(final.to_commune, self.registry),
                             assessments, self.pools[cycle])

    def closing(self, cycle: int, on: date, expect: str, digest: str | None = None) -> Draft:
        """A ``CycleClosed`` that must be refused with ``expect`` (it changes nothing)."""
        body = _approval(cycle, on, calendar.decision_ref(cycle))
        if digest is not None:
            body["inputs_digest"] = digest
        return self.event(cycle, "CycleClosed", body, on, expect)

    def approve(self, cycle: int, on: date, number: int = 12) -> Draft:
        """The approval of the current inputs, named by their digest; freezes the data."""
        body = _approval(cycle, on, calendar.decision_ref(cycle, number))
        body["inputs_digest"] = self.digest(cycle)
        self.frozen[cycle] = list(self.registry)
        self.approvals.setdefault(cycle, []).append(on)
        self.approved.add(cycle)
        return self.event(cycle, "CycleClosed", body, on)

    def reopen(self, cycle: int, on: date, decision_ref: str, reason: str) -> Draft:
        self.approved.discard(cycle)
        return self.event(cycle, "CycleReopened", {
            "reopened_on": on.isoformat(), "decision_ref": decision_ref, "reason": reason}, on)

    def register(self, row: CommuneRow, on: date) -> Draft:
        """A ``CommuneRegistered`` (a new commune or a correction): the registry changes,
        approved cycles keep their frozen data."""
        codes = [r["code"] for r in self.registry]
        if row["code"] in codes:
            self.registry[codes.index(row["code"])] = row
        else:
            self.registry.append(row)
        return Draft("communes", row["code"], "CommuneRegistered", self.stamper.event_id(),
                     dict(row), on)


def _approval(cycle: int, on: date, decision_ref: str) -> dict[str, Any]:
    return {"closed_on": on.isoformat(), "decision_ref": decision_ref,
            "approved_by": calendar.APPROVER}


#: The cycles whose early closing shows a refusal: 2021 names the notified results after
#: an upheld complaint changed them (``inputs_changed``); 2023 is closed on a day of its
#: complaint window (``complaint_window_open``).
DIGEST_CYCLE, WINDOW_CYCLE = 2021, 2023


def early_closings(lives: Cycles, undecided: list[int]) -> list[Draft]:
    """Phase ``early-close``: approvals tried too early, all refused, and a reopening of
    a cycle that is not approved (``cycle_not_closed``). ``undecided``: cycles with a
    complaint not decided yet (``complaints_open``)."""
    drafts = []
    stale = lives.notified.get(DIGEST_CYCLE)
    if stale is not None and stale != lives.digest(DIGEST_CYCLE):
        drafts.append(lives.closing(DIGEST_CYCLE, calendar.early_closing(DIGEST_CYCLE),
                                    "inputs_changed", digest=stale))
    for cycle in sorted(set(undecided)):
        drafts.append(lives.closing(cycle, calendar.early_closing(cycle), "complaints_open"))
    if WINDOW_CYCLE in lives.notified:
        drafts.append(lives.closing(WINDOW_CYCLE, calendar.complaint_deadline(WINDOW_CYCLE)
                                    - timedelta(days=5), "complaint_window_open"))
    if lives.notified:
        cycle = max(lives.notified)
        drafts.append(lives.event(cycle, "CycleReopened", {
            "reopened_on": calendar.early_closing(cycle).isoformat(),
            "decision_ref": f"Décision n° 40-{cycle + 1}", "reason": "réexamen demandé avant "
            "l'approbation"}, calendar.early_closing(cycle), "cycle_not_closed"))
    return drafts
