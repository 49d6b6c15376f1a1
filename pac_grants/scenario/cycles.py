"""Cycle events, and the cycles as the calculator will see them (docs/events.md "Cycles").

:class:`Cycles` makes ``CycleOpened``, ``PoolAdjusted``, ``ResultsNotified``,
``CycleClosed`` and ``CycleReopened`` and keeps what they change: the pools (with what a
cycle carries over to the next, docs/rules.md s8.2), which cycles are approved, the
commune data each approval freezes (docs/events.md s3.1) and the
grants it approves, from which the payment orders follow
(:class:`~pac_grants.scenario.orders.OrderBook`). Each closing names the results it
approves (``inputs_digest``, computed by the same engine as the calculator), so an
approval of figures that moved since they were read is refused (``inputs_changed``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pac_grants.rules.engine import CycleResult, inputs_digest
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset
from pac_grants.scenario import calendar, final, pools
from pac_grants.scenario.assessments import AssessmentBook
from pac_grants.scenario.communes import CommuneRow
from pac_grants.scenario.encoding import Stamper
from pac_grants.scenario.messages import Draft
from pac_grants.scenario.orders import OrderBook


class Cycles:
    """The program's cycles: pools, notifications, approvals and their frozen data."""

    def __init__(self, rulesets: dict[int, Ruleset], scale: int, registry: list[CommuneRow],
                 book: AssessmentBook, orders: OrderBook, stamper: Stamper) -> None:
        self.rulesets, self.scale, self.book, self.stamper = rulesets, scale, book, stamper
        self.orders = orders
        self.pools = {c: pools.funded(c, scale) for c in rulesets}  # funded totals, MAD
        self.carried_in: dict[int, dict[str, int]] = {c: {} for c in rulesets}
        self.carried_out: dict[int, dict[str, int]] = {c: {} for c in rulesets}
        self.registry = list(registry)  # the commune data as last registered
        self.frozen: dict[int, list[CommuneRow]] = {}  # of each cycle's last approval
        self.results: dict[int, CycleResult] = {}  # of each cycle's last approval
        self.approvals: dict[int, list[date]] = {}  # closed_on of each approval
        self.approved: set[int] = set()
        self.notified: dict[int, str] = {}  # cycle -> inputs digest when notified

    def event(self, cycle: int, event_type: str, body: dict[str, Any], on: date,
              expect: str | None = None) -> Draft:
        return Draft("cycles", str(cycle), event_type, self.stamper.event_id(),
                     {"cycle": cycle, **body}, on, expect)

    def openings(self) -> list[Draft]:
        return [self.event(c, "CycleOpened", {"ruleset_id": rs.id,
                                              "pools": pools.opening(c, self.scale)},
                           calendar.opened_on(c)) for c, rs in self.rulesets.items()]

    def pool_change(self, cycle: int, window: str, pool: int | dict[str, Any],
                    on: date) -> Draft:
        """A window's new pool (whole MAD, or the object form with financiers); it counts
        unless the cycle is approved (``cycle_closed``)."""
        expect = "cycle_closed" if cycle in self.approved else None
        if expect is None:
            self.pools[cycle][window] = pools.total(pool)
        return self.event(cycle, "PoolAdjusted", {"window": window, "pool_mad": pool}, on,
                          expect)

    def effective(self, cycle: int) -> dict[str, int]:
        """The pools an allocation of ``cycle`` shares: funded + carried in - carried out
        (docs/rules.md s8.2)."""
        return {w: pool + self.carried_in[cycle].get(w, 0) - self.carried_out[cycle].get(w, 0)
                for w, pool in self.pools[cycle].items()}

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
                             assessments, self.effective(cycle))

    def result(self, cycle: int) -> CycleResult:
        """The allocation of the cycle's current inputs, as an approval now would post."""
        events = {code: {**draft.payload, "event_id": draft.event_id}
                  for (c, code), draft in self.book.held.items() if c == cycle}
        return final.compute(self.rulesets[cycle], self.registry, events, self.effective(cycle))

    def closing(self, cycle: int, on: date, expect: str, digest: str | None = None) -> Draft:
        """A ``CycleClosed`` that must be refused with ``expect`` (it changes nothing)."""
        body = _approval(cycle, on, calendar.decision_ref(cycle))
        if digest is not None:
            body["inputs_digest"] = digest
        return self.event(cycle, "CycleClosed", body, on, expect)

    def approve(self, cycle: int, on: date, number: int = 12) -> Draft:
        """The approval of the current inputs, named by their digest: freezes the data,
        issues the orders of its grants, carries unallocated money over."""
        result = self.result(cycle)
        body = _approval(cycle, on, calendar.decision_ref(cycle, number))
        body["inputs_digest"] = result.inputs_digest
        first = cycle not in self.approvals
        self.frozen[cycle], self.results[cycle] = list(self.registry), result
        self.approvals.setdefault(cycle, []).append(on)
        self.approved.add(cycle)
        self.orders.approve(cycle, final.grants(result), on)
        if first and self.rulesets[cycle].payment.unallocated == "carry_over":
            self._carry_over(cycle, result)
        return self.event(cycle, "CycleClosed", body, on)

    def _carry_over(self, cycle: int, result: CycleResult) -> None:
        """Unallocated money goes to the same window of the next cycle, if it has one."""
        following = packaged_ruleset(cycle + 1)
        windows = {w.id for w in following.windows} if following else set()
        carried = {w.window.id: w.unallocated for w in result.windows
                   if w.unallocated and w.window.id in windows}
        self.carried_out[cycle] = carried
        if cycle + 1 in self.rulesets:
            for window, mad in carried.items():
                into = self.carried_in[cycle + 1]
                into[window] = into.get(window, 0) + mad

    def waits_for_previous(self, cycle: int) -> bool:
        """Whether the cycle before, in the program, carries its unallocated money over
        to this one: then it cannot be approved before that one (docs/events.md s4.4)."""
        previous = self.rulesets.get(cycle - 1)
        return previous is not None and previous.payment.unallocated == "carry_over"

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


#: The cycle whose early closing names the notified results after an upheld complaint
#: changed them (``inputs_changed``).
DIGEST_CYCLE = 2021


def early_closings(lives: Cycles, undecided: list[int]) -> list[Draft]:
    """Phase ``early-close``: approvals tried too early, all refused, each for one reason,
    and a reopening of a cycle that is not approved (``cycle_not_closed``).
    ``undecided``: cycles with a complaint not decided yet (``complaints_open``). A cycle
    whose predecessor carries money over to it is tried after its complaint window,
    while that predecessor is not approved (``previous_cycle_open``); the last cycle that
    waits for no predecessor, inside its complaint window (``complaint_window_open``)."""
    drafts = []
    stale = lives.notified.get(DIGEST_CYCLE)
    if stale is not None and stale != lives.digest(DIGEST_CYCLE):
        drafts.append(lives.closing(DIGEST_CYCLE, calendar.early_closing(DIGEST_CYCLE),
                                    "inputs_changed", digest=stale))
    for cycle in sorted(set(undecided)):
        drafts.append(lives.closing(cycle, calendar.early_closing(cycle), "complaints_open"))
    waiting = [c for c in lives.notified if lives.waits_for_previous(c)]
    for cycle in sorted(set(waiting) - set(undecided)):
        drafts.append(lives.closing(cycle, calendar.early_closing(cycle),
                                    "previous_cycle_open"))
    free = sorted(set(lives.notified) - set(waiting))
    if free:
        cycle = free[-1]
        drafts.append(lives.closing(cycle, calendar.complaint_deadline(cycle)
                                    - timedelta(days=5), "complaint_window_open"))
    if lives.notified:
        cycle = max(lives.notified)
        drafts.append(lives.event(cycle, "CycleReopened", {
            "reopened_on": calendar.early_closing(cycle).isoformat(),
            "decision_ref": f"Décision n° 40-{cycle + 1}", "reason": "réexamen demandé avant "
            "l'approbation"}, calendar.early_closing(cycle), "cycle_not_closed"))
    return drafts
