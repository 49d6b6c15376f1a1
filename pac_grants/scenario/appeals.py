"""After the approvals: what an approved cycle refuses, and how a decision reopens one.

docs/events.md "Cycles": an approved cycle changes only by a ``CycleReopened`` decision.
Phase ``after-approval`` brings a correction of reference data (a 2014 population, which
changes no approved cycle: each keeps the data it was approved with), the late appellant
of 2021 sending its corrected assessment too early, an appeal revision of 2023, a pool
change of 2022 and a complaint on 2023, all refused (``cycle_closed``). Then 2021 is
reopened by a decision that cites the late complaint, the corrected assessment is sent
again and counts, and the second approval posts the differences as adjustments, with the
corrected reference data.
"""

from __future__ import annotations

from dataclasses import dataclass

from pac_grants.scenario import calendar
from pac_grants.scenario.communes import corrected
from pac_grants.scenario.complaints import Register
from pac_grants.scenario.cycles import Cycles
from pac_grants.scenario.messages import Draft

REOPENED_CYCLE = 2021  # its late appeal is upheld by a decision that reopens it
APPEAL_CYCLE = 2023  # an appeal revision and a complaint after its approval
POOL_CHANGE = (2022, "standard", 50_000_000)  # MAD, times scale: before approval, then after


@dataclass
class Appeal:
    """The late appeal of the reopened cycle: its complaint (a dead letter) and the
    corrected assessment that the approved cycle refused."""

    complaint: Draft
    revision: Draft


def after_approval(lives: Cycles, register: Register, scale: int, avoid: list[str]
                   ) -> tuple[list[Draft], Appeal | None]:
    """Phase ``after-approval``; ``avoid``: communes whose population is not corrected
    (their grant must fall at the re-approval: they were paid in full before)."""
    book, rng = lives.book, lives.book.rng
    cycle = REOPENED_CYCLE if REOPENED_CYCLE in lives.approved else max(lives.approved)
    failing = set(book.failing(cycle)) | set(avoid)
    eligible = [c for c in book.codes(cycle) if c not in failing] or book.codes(cycle)
    code = rng.choice(eligible)
    row = next(r for r in lives.registry if r["code"] == code)
    drafts = [lives.register(corrected(row, rng), calendar.after_approval(cycle, 8, 1))]
    appeal = None
    late = register.late.get(REOPENED_CYCLE)
    if late is not None and REOPENED_CYCLE in lives.approved:
        early = book.correction(REOPENED_CYCLE, late.key, calendar.after_approval(
            REOPENED_CYCLE, 7, 18), expect="cycle_closed")
        appeal = Appeal(late, early)
        drafts.append(early)
    if APPEAL_CYCLE in lives.approved:
        code = rng.choice(book.codes(APPEAL_CYCLE))
        drafts.append(book.submit(APPEAL_CYCLE, code, book.revision(APPEAL_CYCLE, code) + 1,
                                  on=calendar.after_approval(APPEAL_CYCLE, 8, 20),
                                  expect="cycle_closed"))
        drafts.append(register.lodge(APPEAL_CYCLE, code, register.subjects(APPEAL_CYCLE, code),
                                     calendar.after_approval(APPEAL_CYCLE, 8, 5),
                                     expect="cycle_closed"))
    pool_cycle, window, delta = POOL_CHANGE
    if pool_cycle in lives.approved:
        drafts.append(lives.pool_change(pool_cycle, window, lives.pools[pool_cycle][window]
                                        + delta * scale,
                                        calendar.after_approval(pool_cycle, 9, 15)))
    return drafts, appeal


def reopening(lives: Cycles, appeal: Appeal | None) -> list[Draft]:
    """Phase ``reopen``: the decision that answers the late appeal."""
    if appeal is None:
        return []
    late = appeal.complaint.payload
    cycle = late["cycle"]
    name = next(r["name_fr"] for r in lives.registry if r["code"] == late["commune_code"])
    reason = (f"Recours tardif {late['complaint_id']} de {name} ({late['commune_code']}), "
              f"déposé le {late['lodged_on']}, admis par le comité de pilotage")
    return [lives.reopen(cycle, calendar.reopened_on(cycle),
                         f"Décision n° 77-{cycle + 1}", reason[:200])]


def late_appeal(lives: Cycles, appeal: Appeal | None) -> list[Draft]:
    """Phase ``late-appeal``: the corrected assessment sent again, now counted."""
    if appeal is None:
        return []
    cycle = appeal.revision.payload["cycle"]
    return [lives.book.resend(appeal.revision, calendar.after_approval(cycle, 9, 8))]


def reclosing(lives: Cycles, appeal: Appeal | None) -> list[Draft]:
    """Phase ``re-close``: the second approval, on the current inputs and data."""
    if appeal is None:
        return []
    cycle = appeal.revision.payload["cycle"]
    return [lives.approve(cycle, calendar.reapproved_on(cycle), number=31)]


