"""An independent replay of docs/events.md's stateful rules, for the sample program.

It does not use the pipeline's code: plain dictionaries for the cycles, complaints and
revisions, the rules of docs/events.md "Cycles", "Complaints", "Order of checks", the
offline engine for the amounts and ``inputs_digest`` of an approval, and the treasury
replay of scenario_treasury for the money's path (pools with financiers, carry-over,
orders, payments, recoveries, offsets). :meth:`Reference.outcome` gives the dead-letter
code a message must get (None: accepted or a redelivery), so a test can compare it with
what the generator expects; ``Reference.money`` what the ledger must hold.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from models.decode import Rejection, decode
from pac_grants.rules.engine import CycleResult, compute_cycle
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset, packaged_ruleset_by_id
from pac_grants.scenario import Message
from pac_grants.scenario.final import to_assessment, to_commune
from tests.unit.scenario_complaints import ComplaintRules, content, day
from tests.unit.scenario_treasury import Money

Event = dict[str, Any]


def total(pool: Any) -> int:
    """A pool's total, in either form of docs/events.md s4.1."""
    return int(pool["total"]) if isinstance(pool, dict) else int(pool)


def following(cycle: int) -> set[str]:
    """The windows of the next cycle's ruleset: where a carry-over may go."""
    ruleset = packaged_ruleset(cycle + 1)
    return {w.id for w in ruleset.windows} if ruleset else set()


@dataclass
class Cycle:
    ruleset: Ruleset
    pools: dict[str, int]
    state: str = "open"
    approvals: list[date] = field(default_factory=list)
    notified_on: date | None = None
    deadline: date | None = None
    reopened_on: date | None = None
    frozen: dict[str, Event] = field(default_factory=dict)  # communes of the last approval


class Reference(ComplaintRules):
    """What each message must do, replayed in publication order."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.communes: dict[str, Event] = {}
        self.cycles: dict[int, Cycle] = {}
        self.revisions: dict[tuple[int, str], dict[int, Event]] = {}
        self.complaints: dict[str, Event] = {}
        self.decisions: dict[str, Event] = {}
        self.money = Money()

    def outcome(self, message: Message) -> str | None:
        decoded = decode(message.value, message.topic)
        if isinstance(decoded, Rejection):
            return str(decoded.code)
        event = json.loads(message.value, parse_float=Decimal)
        if event["event_id"] in self.seen:
            return None
        code: str | None = getattr(self, "_" + event["event_type"])(event)
        if code is None:
            self.seen.add(event["event_id"])
        return code

    # -- reference data and cycles --------------------------------------------------------
    def _CommuneRegistered(self, e: Event) -> None:
        self.communes[e["code"]] = content(e)

    def _CycleOpened(self, e: Event) -> str | None:
        if e["cycle"] in self.cycles:
            return "cycle_not_open"
        ruleset = packaged_ruleset_by_id(e["ruleset_id"])
        self.cycles[e["cycle"]] = Cycle(ruleset, {w: total(p) for w, p in e["pools"].items()})
        self.money.open(e["cycle"], ruleset.document, e["pools"], day(e["occurred_at"][:10]),
                        following(e["cycle"]))
        return None

    def _PoolAdjusted(self, e: Event) -> str | None:
        cycle = self.cycles.get(e["cycle"])
        if cycle is None:
            return "unknown_cycle"
        if e["window"] not in cycle.pools:
            return "unknown_window"
        if cycle.state == "approved":
            return "cycle_closed"
        cycle.pools[e["window"]] = total(e["pool_mad"])
        self.money.adjust_pool(e["cycle"], e["window"], e["pool_mad"],
                               day(e["occurred_at"][:10]))
        return None

    def _ResultsNotified(self, e: Event) -> str | None:
        cycle = self.cycles.get(e["cycle"])
        if cycle is None:
            return "unknown_cycle"
        if cycle.state == "approved":
            return "cycle_not_open"
        notified, deadline = day(e["notified_on"]), day(e["complaint_deadline"])
        if deadline < notified or (cycle.reopened_on and notified < cycle.reopened_on):
            return "invalid_value"
        cycle.state, cycle.notified_on, cycle.deadline = "notified", notified, deadline
        return None

    def _CycleClosed(self, e: Event) -> str | None:
        cycle = self.cycles.get(e["cycle"])
        if cycle is None:
            return "unknown_cycle"
        if cycle.state == "approved":
            return "cycle_not_open"
        on = day(e.get("closed_on") or e["occurred_at"][:10])
        refused = self._closing_dates(e["cycle"], cycle, on) or \
            self._open_complaints(e["cycle"]) or self._previous_open(e["cycle"])
        if refused:
            return refused
        result = self.result(e["cycle"], cycle, self.communes)
        if e.get("inputs_digest") not in (None, result.inputs_digest):
            return "inputs_changed"
        cycle.state, cycle.frozen = "approved", copy.deepcopy(self.communes)
        cycle.approvals.append(on)
        self.money.approve(e["cycle"], {(w.window.id, c.code): c.amount for w in result.windows
                                        for c in w.communes},
                           {w.window.id: w.unallocated for w in result.windows}, on)
        return None

    def _previous_open(self, number: int) -> str | None:
        """N waits for the first approval of N-1 when N-1 carries its money over."""
        previous = self.cycles.get(number - 1)
        if previous is None or previous.approvals:
            return None
        carries = self.money.policies[number - 1].unallocated == "carry_over"
        return "previous_cycle_open" if carries else None

    def _closing_dates(self, number: int, cycle: Cycle, on: date) -> str | None:
        if cycle.state == "notified" and cycle.deadline and on <= cycle.deadline:
            return "complaint_window_open"
        if cycle.reopened_on and on < cycle.reopened_on:
            return "invalid_value"
        decided = [day(d["decided_on"]) for d in self.decisions.values()
                   if d["cycle"] == number]
        return "invalid_value" if any(d > on for d in decided) else None

    def _open_complaints(self, number: int) -> str | None:
        for complaint_id, lodged in self.complaints.items():
            if lodged["cycle"] != number:
                continue
            decision = self.decisions.get(complaint_id)
            if decision is None:
                return "complaints_open"
            held = self.revisions.get((number, lodged["commune_code"]), {})
            if decision.get("revision") and max(held, default=0) < decision["revision"]:
                return "complaints_open"
        return None

    def _CycleReopened(self, e: Event) -> str | None:
        cycle = self.cycles.get(e["cycle"])
        if cycle is None:
            return "unknown_cycle"
        if cycle.state != "approved":
            return "cycle_not_closed"
        if day(e["reopened_on"]) < cycle.approvals[-1]:
            return "invalid_value"
        cycle.state, cycle.reopened_on = "reopened", day(e["reopened_on"])
        return None

    def result(self, number: int, cycle: Cycle, communes: dict[str, Event]) -> CycleResult:
        counting = {code: to_assessment(max(held.values(), key=lambda a: a["revision"]))
                    for (c, code), held in self.revisions.items() if c == number}
        return compute_cycle(cycle.ruleset, [to_commune(r) for r in communes.values()],
                             counting, self.money.effective(number, cycle.pools))

    # -- assessments and payments ---------------------------------------------------------
    def _AssessmentSubmitted(self, e: Event) -> str | None:
        held = self.revisions.setdefault((e["cycle"], e["commune_code"]), {})
        same = held.get(e["revision"])
        if same is not None:
            return None if content(same) == content(e) else "conflicting_revision"
        cycle = self.cycles.get(e["cycle"])
        if cycle is not None and cycle.state == "approved":
            return "cycle_closed"
        if e["revision"] < max(held, default=0):
            return "stale_revision"
        held[e["revision"]] = e
        return None

    def _DisbursementExecuted(self, e: Event) -> str | None:
        return self.money.disbursement(e, e["commune_code"] in self.communes)

    def _RecoveryReceived(self, e: Event) -> str | None:
        return self.money.recovery(e, e["commune_code"] in self.communes)
