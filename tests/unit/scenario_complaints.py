"""The complaints register in the independent replay of the sample program
(scenario_reference): docs/events.md s6 "Complaints" and the order of checks of s10.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.unit.scenario_reference import Cycle

ENVELOPE = {"event_id", "event_type", "schema_version", "occurred_at", "source"}
INPUTS = {"population", "investment_budget_mad", "participating", "eligibility"}
Event = dict[str, Any]


def content(event: Event) -> Event:
    return {k: v for k, v in event.items() if k not in ENVELOPE}


def day(text: str) -> date:
    return date.fromisoformat(text)


class ComplaintRules:
    """Lodging and deciding complaints, over the reference's cycles and communes."""

    cycles: dict[int, Cycle]
    communes: dict[str, Event]
    complaints: dict[str, Event]
    decisions: dict[str, Event]

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

