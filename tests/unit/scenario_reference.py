"""An independent replay of docs/events.md's stateful rules, for the sample program.

It does not use the pipeline's code: plain dictionaries for the cycles, complaints,
revisions and payments, the rules of docs/events.md "Cycles", "Complaints", "Order of
checks", and the offline engine for the amounts and ``inputs_digest`` of an approval.
:meth:`Reference.outcome` gives the dead-letter code a message must get (None: accepted
or a redelivery), so a test can compare it with what the generator expects.
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
from pac_grants.rules.ruleset import Ruleset, packaged_ruleset_by_id
from pac_grants.scenario import Message
from pac_grants.scenario.final import to_assessment, to_commune

ENVELOPE = {"event_id", "event_type", "schema_version", "occurred_at", "source"}
INPUTS = {"population", "investment_budget_mad", "participating", "eligibility"}
Event = dict[str, Any]


def content(event: Event) -> Event:
    return {k: v for k, v in event.items() if k not in ENVELOPE}


def day(text: str) -> date:
    return date.fromisoformat(text)


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
    posted: dict[str, int] = field(default_factory=dict)  # commune -> centimes allocated


class Reference:
    """What each message must do, replayed in publication order."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.communes: dict[str, Event] = {}
        self.cycles: dict[int, Cycle] = {}
        self.revisions: dict[tuple[int, str], dict[int, Event]] = {}
        self.complaints: dict[str, Event] = {}
        self.decisions: dict[str, Event] = {}
        self.payments: set[str] = set()
        self.paid: dict[tuple[int, str], int] = {}

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
        self.cycles[e["cycle"]] = Cycle(packaged_ruleset_by_id(e["ruleset_id"]), dict(e["pools"]))
        return None

    def _PoolAdjusted(self, e: Event) -> str | None:
        cycle = self.cycles.get(e["cycle"])
        if cycle is None:
            return "unknown_cycle"
        if e["window"] not in cycle.pools:
            return "unknown_window"
        if cycle.state == "approved":
            return "cycle_closed"
        cycle.pools[e["window"]] = e["pool_mad"]
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
        refused = self._closing_dates(e["cycle"], cycle, on) or self._open_complaints(e["cycle"])
        if refused:
            return refused
        result = self.result(e["cycle"], cycle, self.communes)
        if e.get("inputs_digest") not in (None, result.inputs_digest):
            return "inputs_changed"
        cycle.posted = {c.code: c.amount * 100 for w in result.windows for c in w.communes}
        cycle.state, cycle.frozen = "approved", copy.deepcopy(self.communes)
        cycle.approvals.append(on)
        return None

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
                             counting, cycle.pools)

    # -- complaints -----------------------------------------------------------------------
    def _ComplaintLodged(self, e: Event) -> str | None:
        known = self.complaints.get(e["complaint_id"])
        if known is not None:
            return None if content(known) == content(e) else "conflicting_revision"
        cycle = self.cycles.get(e["cycle"])
        if cycle is None:
            return "unknown_cycle"
        if e["commune_code"] not in self.communes:
            return "unknown_commune"
        if not set(e["subjects"]) <= self.subjects(cycle, e["commune_code"]):
            return "unknown_indicator"
        if cycle.state == "approved":
            return "cycle_closed"
        if cycle.state != "notified":
            return "cycle_not_notified"
        lodged = day(e["lodged_on"])
        if cycle.deadline and lodged > cycle.deadline:
            return "complaint_late"
        if cycle.notified_on and lodged < cycle.notified_on:
            return "invalid_value"
        self.complaints[e["complaint_id"]] = e
        return None

    def subjects(self, cycle: Cycle, code: str) -> set[str]:
        population = self.communes[code]["population"][str(cycle.ruleset.population_census)]
        window = cycle.ruleset.window_of(population)
        indicators = {i.id for i in window.indicators} if window else set()
        return indicators | {c.id for c in cycle.ruleset.conditions} | INPUTS

    def _ComplaintDecided(self, e: Event) -> str | None:
        lodged = self.complaints.get(e["complaint_id"])
        if lodged is None or (lodged["cycle"], lodged["commune_code"]) != (
                e["cycle"], e["commune_code"]):
            return "unknown_complaint"
        known = self.decisions.get(e["complaint_id"])
        if known is not None:
            return None if content(known) == content(e) else "conflicting_revision"
        if self.cycles[e["cycle"]].state == "approved":
            return "cycle_closed"
        if day(e["decided_on"]) < day(lodged["lodged_on"]):
            return "invalid_value"
        self.decisions[e["complaint_id"]] = e
        return None

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
        if e["payment_ref"] in self.payments:
            return None
        cycle = self.cycles.get(e["cycle"])
        if cycle is None:
            return "unknown_cycle"
        key = (e["cycle"], e["commune_code"])
        if key[1] not in self.communes:
            return "unknown_commune"
        if not cycle.approvals:
            return "cycle_not_closed"
        if day(e["paid_on"]) < cycle.approvals[0]:
            return "paid_before_approval"
        amount = int(Decimal(e["amount_mad"]) * 100)
        if self.paid.get(key, 0) + amount > cycle.posted.get(key[1], 0):
            return "exceeds_outstanding"
        self.payments.add(e["payment_ref"])
        self.paid[key] = self.paid.get(key, 0) + amount
        return None
