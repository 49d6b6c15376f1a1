"""The complaints register (docs/ledger.md "Reading it", docs/cli.md "ledger complaints").

Built from what the worker stored: the complaints it accepted (``pipeline_complaints``,
with their decisions), the cycles' notification dates, and the late complaints, which are
dead letters ``complaint_late`` and never complaints (docs/events.md "Complaints"). A
late complaint is counted once per ``complaint_id`` however often it was replayed, and
not at all once a replay was accepted (after a deadline extension it was not late).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from models.codes import ComplaintStatus, DeadLetterCode
from models.ledger import DEAD_LETTERS
from models.responses import Complaint, ComplaintRegister, CycleComplaints, SubjectCount
from pac_grants.ledger.errors import NotFound
from pac_grants.ledger.state import ComplaintRow, CycleRow, StateView

Connect = Callable[[], Connection]


@dataclass(frozen=True)
class LateComplaint:
    """What a ``complaint_late`` dead letter tells: which complaint, cycle and subjects."""

    complaint_id: str
    cycle: int
    subjects: tuple[str, ...]


class ComplaintsView:
    """``reader.complaints.register(cycle)``: the register, one cycle or all."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def register(self, cycle: int | None = None) -> ComplaintRegister:
        """:class:`NotFound` for a cycle the pipeline never opened."""
        state = StateView(self._connect)
        cycles = state.cycles()
        if cycle is not None:
            cycles = [c for c in cycles if c.cycle == cycle]
            if not cycles:
                known = ", ".join(str(c.cycle) for c in state.cycles()) or "none"
                raise NotFound(f"cycle {cycle} was never opened (cycles: {known})")
        return build(cycles, state.complaints(cycle), late_complaints(self._connect(), cycle))


def late_complaints(connection: Connection, cycle: int | None = None) -> list[LateComplaint]:
    """One entry per late ``complaint_id`` (of ``cycle``), read from the dead letters."""
    d = DEAD_LETTERS.c
    query = (select(d.raw_value).where(d.code == DeadLetterCode.COMPLAINT_LATE,
                                       d.encoding == "utf-8").order_by(d.id))
    found: dict[str, LateComplaint] = {}
    for (raw,) in connection.execute(query):
        late = _late(raw)
        if late is not None and (cycle is None or late.cycle == cycle):
            found.setdefault(late.complaint_id, late)
    return list(found.values())


def _late(raw: str) -> LateComplaint | None:
    """The message was decoded before it was found late; still, trust nothing stored."""
    try:
        data = json.loads(raw)
        complaint_id, cycle, subjects = data["complaint_id"], data["cycle"], data["subjects"]
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(complaint_id, str) and isinstance(cycle, int)
            and isinstance(subjects, list) and all(isinstance(s, str) for s in subjects)):
        return None
    return LateComplaint(complaint_id, cycle, tuple(subjects))


def build(cycles: Sequence[CycleRow], rows: Sequence[ComplaintRow],
          late: Iterable[LateComplaint]) -> ComplaintRegister:
    """The register: complaints by cycle, commune code and id; totals per cycle."""
    complaints = sorted((_complaint(r) for r in rows),
                        key=lambda c: (c.cycle, c.commune_code, c.complaint_id))
    lodged = {c.complaint_id for c in complaints}
    late_by_cycle: dict[int, list[LateComplaint]] = defaultdict(list)
    for entry in late:
        if entry.complaint_id not in lodged:
            late_by_cycle[entry.cycle].append(entry)
    return ComplaintRegister(complaints=complaints, cycles=[
        _totals(c, [x for x in complaints if x.cycle == c.cycle], late_by_cycle[c.cycle])
        for c in sorted(cycles, key=lambda c: c.cycle)])


def _complaint(row: ComplaintRow) -> Complaint:
    decided = row.decided_on
    return Complaint(
        complaint_id=row.complaint_id, cycle=row.cycle, commune_code=row.commune_code,
        lodged_on=row.lodged_on, subjects=list(row.subjects),
        status=ComplaintStatus(row.outcome) if row.outcome else ComplaintStatus.OPEN,
        decided_on=decided, days_to_decide=(decided - row.lodged_on).days if decided else None)


def _totals(cycle: CycleRow, complaints: list[Complaint],
            late: list[LateComplaint]) -> CycleComplaints:
    status = Counter(c.status for c in complaints)
    days = sorted(c.days_to_decide for c in complaints if c.days_to_decide is not None)
    return CycleComplaints(
        cycle=cycle.cycle, state=cycle.state, notified_on=cycle.notified_on,
        complaint_deadline=cycle.complaint_deadline, lodged=len(complaints),
        decided=len(days), upheld=status[ComplaintStatus.UPHELD],
        rejected=status[ComplaintStatus.REJECTED], open=status[ComplaintStatus.OPEN],
        late=len(late), median_days_to_decide=median(days),
        max_days_to_decide=days[-1] if days else None, subjects=_subjects(complaints, late))


def median(days: list[int]) -> int | float | None:
    """The middle of sorted ``days``; a whole number stays an int (18, not 18.0)."""
    if not days:
        return None
    middle = len(days) // 2
    if len(days) % 2:
        return days[middle]
    twice = days[middle - 1] + days[middle]
    return twice // 2 if twice % 2 == 0 else twice / 2


def _subjects(complaints: list[Complaint], late: list[LateComplaint]) -> list[SubjectCount]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for complaint in complaints:
        for subject in dict.fromkeys(complaint.subjects):
            counts[subject]["lodged"] += 1
            counts[subject][complaint.status] += 1
    for entry in late:
        for subject in dict.fromkeys(entry.subjects):
            counts[subject]["late"] += 1
    return [SubjectCount(subject=s, lodged=n["lodged"], upheld=n["upheld"],
                         rejected=n["rejected"], open=n["open"], late=n["late"])
            for s, n in sorted(counts.items())]
