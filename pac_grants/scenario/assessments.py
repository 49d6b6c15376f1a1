"""``AssessmentSubmitted`` events: first submissions, revisions, redeliveries, corrections.

Every generated assessment is valid against its cycle's ruleset and the window of its
commune (docs/events.md s5.1, docs/rules.md s2): the window is the one whose membership holds the
commune's population in the ruleset's census (2024: the 2024 census, <= 500,000
standard, else grandes_communes), and ``investment_budget_mad`` is always sent for
performance cycles (required where the window's cap has a budget ratio, 2022 on).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from typing import Any

from pac_grants.rules.ruleset import Ruleset, Window
from pac_grants.scenario import calendar, values
from pac_grants.scenario.communes import CommuneRow
from pac_grants.scenario.encoding import Stamper
from pac_grants.scenario.messages import Draft

REVISION_RATE = 0.10  # communes that send a second revision (the brief: ~10%)
DUPLICATE_RATE = 0.015  # exact redeliveries: same event_id, same bytes
ASSESSORS = ("Cabinet d'audit Atlas", "Inspection Générale de l'Administration Territoriale",
             "Cabinet Souss Conseil", "Bureau d'études Al Manar")


class AssessmentBook:
    """Makes assessments and remembers, per (cycle, commune), the one that counts."""

    def __init__(self, communes: list[CommuneRow], rulesets: dict[int, Ruleset],
                 rng: random.Random, stamper: Stamper) -> None:
        self.communes = {row["code"]: row for row in communes}
        self.rulesets = rulesets
        self.rng = rng
        self.draws = values.Draws(rng)
        self.stamper = stamper
        self.held: dict[tuple[int, str], Draft] = {}

    def window(self, cycle: int, code: str) -> Window:
        ruleset = self.rulesets[cycle]
        population = self.communes[code]["population"][str(ruleset.population_census)]
        window = ruleset.window_of(population)
        assert window is not None, f"{code} has no window in {ruleset.id}"
        return window

    def payload(self, cycle: int, code: str, revision: int, *, quality: float | None = None,
                passing: bool = False, on: date | None = None) -> dict[str, Any]:
        """A valid assessment body; ``passing``: every minimum condition true; ``on``: the
        date of the assessment (else drawn for its revision, calendar.assessed_on)."""
        rng, ruleset = self.rng, self.rulesets[cycle]
        window = self.window(cycle, code)
        quality = rng.uniform(0.3, 1.0) if quality is None else quality
        assessed = on or calendar.assessed_on(cycle, revision, rng)
        body: dict[str, Any] = {
            "assessment_id": f"APA-{cycle}-{code}", "cycle": cycle, "commune_code": code,
            "revision": revision, "assessed_on": assessed.isoformat(),
            "assessor": rng.choice(ASSESSORS)}
        if window.mode == "performance":
            census = self.communes[code]["population"][str(ruleset.population_census)]
            body["investment_budget_mad"] = values.budget(census, rng)
        body["conditions"] = values.conditions(ruleset, rng, passing=passing)
        body["indicators"] = values.indicators(window, quality, self.draws)
        return body

    def submit(self, cycle: int, code: str, revision: int, *, expect: str | None = None,
               **options: Any) -> Draft:
        """A new valid revision, which counts if it is the highest so far, unless it must
        be refused (``expect``: its dead-letter code, e.g. ``cycle_closed``)."""
        payload = self.payload(cycle, code, revision, **options)
        draft = Draft("assessments", code, "AssessmentSubmitted", self.stamper.event_id(),
                      payload, date.fromisoformat(payload["assessed_on"]), expect)
        if expect is None:
            self.count(draft)
        return draft

    def resend(self, draft: Draft, on: date) -> Draft:
        """The same assessment as a new event on ``on`` (a refused one sent again once it
        can count), which counts."""
        again = Draft(draft.topic, draft.key, draft.event_type, self.stamper.event_id(),
                      dict(draft.payload), on)
        self.count(again)
        return again

    def count(self, draft: Draft) -> None:
        key = (draft.payload["cycle"], draft.key)
        current = self.held.get(key)
        if current is None or current.payload["revision"] < draft.payload["revision"]:
            self.held[key] = draft

    def revision(self, cycle: int, code: str) -> int:
        return int(self.held[(cycle, code)].payload["revision"])

    def codes(self, cycle: int) -> list[str]:
        return sorted(code for (c, code) in self.held if c == cycle)

    def failing(self, cycle: int) -> list[str]:
        """Communes whose counting assessment fails a minimum condition."""
        return [code for code in self.codes(cycle)
                if not all(self.held[(cycle, code)].payload["conditions"].values())]

    def correction(self, cycle: int, code: str, on: date, expect: str | None = None) -> Draft:
        """The next revision with every condition met and strong values: what an upheld
        complaint or appeal brings (an ineligible commune becomes eligible)."""
        return self.submit(cycle, code, self.revision(cycle, code) + 1, passing=True,
                           quality=0.95, on=on, expect=expect)


def submissions(book: AssessmentBook, cycles: list[int], revisions: int) -> list[Draft]:
    """Phase ``assessments``: every commune and cycle, extra revisions, redeliveries.

    Shuffled deterministically, but the revisions of one (cycle, commune) keep their order
    (and a redelivery comes after its original), so no message is stale by accident.
    """
    rng = book.rng
    drafts = []
    for cycle in cycles:
        for code in book.communes:
            extra = revisions + (1 if rng.random() < REVISION_RATE else 0)
            drafts += [book.submit(cycle, code, r) for r in range(1, extra + 2)]
    drafts += [_redelivery(d) for d in drafts if rng.random() < DUPLICATE_RATE]
    rng.shuffle(drafts)
    return _in_revision_order(drafts)


def _redelivery(draft: Draft) -> Draft:
    return Draft(draft.topic, draft.key, draft.event_type, draft.event_id, draft.payload,
                 draft.on, duplicate_of=draft)


def _in_revision_order(drafts: list[Draft]) -> list[Draft]:
    slots: dict[tuple[int, str], list[int]] = defaultdict(list)
    for position, draft in enumerate(drafts):
        slots[(draft.payload["cycle"], draft.key)].append(position)
    ordered = list(drafts)
    for positions in slots.values():
        group = sorted((drafts[p] for p in positions),
                       key=lambda d: (d.payload["revision"], d.duplicate_of is not None))
        for position, draft in zip(positions, group, strict=True):
            ordered[position] = draft
    return ordered


def stale(book: AssessmentBook) -> list[Draft]:
    """One commune skips a revision number (allowed), then the skipped revision arrives:
    older than the one that counts, it is ``stale_revision`` (sent in the same phase, on
    the same key, so after it)."""
    cycle, code = book.rng.choice(sorted(book.held))
    top = book.revision(cycle, code)
    return [book.submit(cycle, code, top + 2),
            book.submit(cycle, code, top + 1, expect="stale_revision")]
