"""``ComplaintLodged`` and ``ComplaintDecided`` events: the complaints register
(docs/events.md "Complaints").

For each of the cycles 2021-2023 that were notified: one complaint upheld (a commune that
failed a minimum condition, corrected by a new revision sent on the assessments topic in
the same phase), one rejected, one lodged after the deadline (``complaint_late``); for
2022 one more complaint, decided only in phase ``decisions``, which blocks an early
closing. Also refused: a complaint on a cycle never notified (``cycle_not_notified``) and
one about an indicator the commune's window does not have (``unknown_indicator``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from pac_grants.scenario import calendar
from pac_grants.scenario.assessments import AssessmentBook
from pac_grants.scenario.messages import Draft

COMPLAINT_CYCLES = (2021, 2022, 2023)
UNDECIDED_CYCLE = 2022  # its last complaint is decided after an early closing was refused
UNKNOWN_SUBJECT = "Z9"
#: What the inputs a complaint may contest are called (docs/events.md 6.1 ``subjects``).
INPUT_LABELS = {"population": "population retenue", "eligibility": "éligibilité",
                "investment_budget_mad": "budget d'investissement",
                "participating": "participation au programme"}


@dataclass
class Register:
    """Numbers complaints per cycle and remembers what later phases need."""

    book: AssessmentBook
    lodged: dict[str, Draft] = field(default_factory=dict)  # accepted, by complaint id
    undecided: list[str] = field(default_factory=list)
    late: dict[int, Draft] = field(default_factory=dict)  # cycle -> its late complaint
    _serial: Counter[int] = field(default_factory=Counter)

    def lodge(self, cycle: int, code: str, subjects: list[str], on: date,
              expect: str | None = None) -> Draft:
        self._serial[cycle] += 1
        complaint_id = f"REC-{cycle}-{self._serial[cycle]:04d}"
        draft = Draft("complaints", code, "ComplaintLodged", self.book.stamper.event_id(), {
            "complaint_id": complaint_id, "cycle": cycle, "commune_code": code,
            "lodged_on": on.isoformat(), "subjects": subjects,
            "summary": self.summary(cycle, code, subjects)}, on, expect)
        if expect is None:
            self.lodged[complaint_id] = draft
        return draft

    def decide(self, complaint_id: str, on: date, revision: int | None = None,
               expect: str | None = None, about: Draft | None = None) -> Draft:
        """``revision``: upheld, corrected by that revision; else rejected. ``about``: the
        complaint whose cycle and commune the decision names (default: ``complaint_id``'s)."""
        lodged = about or self.lodged[complaint_id]
        cycle, code = lodged.payload["cycle"], lodged.key
        body = {"complaint_id": complaint_id, "cycle": cycle, "commune_code": code,
                "decided_on": on.isoformat(),
                "outcome": "rejected" if revision is None else "upheld"}
        if revision is not None:
            body["revision"] = revision
        return Draft("complaints", code, "ComplaintDecided", self.book.stamper.event_id(),
                     body, on, expect)

    def summary(self, cycle: int, code: str, subjects: list[str]) -> str:
        ruleset, window = self.book.rulesets[cycle], self.book.window(cycle, code)
        labels = INPUT_LABELS | {c.id: c.label_fr for c in ruleset.conditions}
        labels |= {i.id: i.label_fr for i in window.indicators}
        return ("Conteste : " + "; ".join(labels.get(s) or s for s in subjects))[:200]

    def subjects(self, cycle: int, code: str) -> list[str]:
        """The failed condition, else one or two indicators, else the population."""
        conditions = self.book.held[(cycle, code)].payload["conditions"]
        failed = [c for c, ok in conditions.items() if not ok]
        indicators = [i.id for i in self.book.window(cycle, code).indicators]
        if failed:
            return failed
        if indicators:
            return sorted(self.book.rng.sample(indicators, min(2, len(indicators))))
        return ["population"]


def complaints(register: Register, notified: list[int], unnotified: list[int]) -> list[Draft]:
    """Phase ``complaints``."""
    drafts = []
    for cycle in (c for c in notified if c in COMPLAINT_CYCLES):
        drafts += _cycle_complaints(register, cycle)
    for cycle in unnotified[:1]:
        code = register.book.codes(cycle)[0]
        drafts.append(register.lodge(cycle, code, ["eligibility"], calendar.notified_on(cycle),
                                     expect="cycle_not_notified"))
    return drafts


def _cycle_complaints(register: Register, cycle: int) -> list[Draft]:
    book, rng = register.book, register.book.rng
    failing = book.failing(cycle)
    upheld = rng.choice(failing) if failing else rng.choice(book.codes(cycle))
    rest = [c for c in book.codes(cycle) if c != upheld]
    late = rng.choice([c for c in failing if c != upheld] or rest)  # an appeal that can win
    rest.remove(late)
    rejected, undecided, unknown = rng.sample(rest, 3)
    drafts = [register.lodge(cycle, code, register.subjects(cycle, code),
                             calendar.lodged_on(cycle, rng)) for code in (upheld, rejected)]
    ids = [d.payload["complaint_id"] for d in drafts]
    decided = [calendar.decided_on(cycle, d.on, rng) for d in drafts]
    fix = book.correction(cycle, upheld, decided[0])
    drafts += [register.decide(ids[0], decided[0], fix.payload["revision"]), fix,
               register.decide(ids[1], decided[1])]
    register.late[cycle] = register.lodge(cycle, late, register.subjects(cycle, late),
                                          calendar.lodged_on(cycle, rng, late=True),
                                          expect="complaint_late")
    drafts.append(register.late[cycle])
    if cycle == UNDECIDED_CYCLE:
        drafts.append(register.lodge(cycle, undecided, ["eligibility"],
                                     calendar.lodged_on(cycle, rng)))
        register.undecided.append(drafts[-1].payload["complaint_id"])
    drafts.append(register.lodge(cycle, unknown, [UNKNOWN_SUBJECT],
                                 calendar.lodged_on(cycle, rng), expect="unknown_indicator"))
    return drafts


def decisions(register: Register) -> list[Draft]:
    """Phase ``decisions``: the complaints that held an approval up, rejected."""
    return [register.decide(complaint_id, calendar.late_decision(
        register.lodged[complaint_id].payload["cycle"])) for complaint_id in register.undecided]
