"""Which assessment counts for a commune: the highest revision (docs/events.md s5.1,
docs/rules.md s3)."""

from __future__ import annotations

from collections.abc import Iterable

from pac_grants.rules.types import Assessment


class RevisionConflict(ValueError):
    """The same revision of a commune's assessment with different content."""

    def __init__(self, held: Assessment, incoming: Assessment) -> None:
        super().__init__(f"revision {incoming.revision} of commune {incoming.commune_code}'s "
                         f"assessment differs from the one already received "
                         f"(event {held.event_id})")
        self.held = held
        self.incoming = incoming


def same_content(a: Assessment, b: Assessment) -> bool:
    """Equal apart from the envelope: a resend of the same revision is not a conflict."""
    return (a.assessment_id, a.conditions, a.indicators, a.investment_budget_mad) == (
        b.assessment_id, b.conditions, b.indicators, b.investment_budget_mad)


def counting(assessments: Iterable[Assessment]) -> dict[str, Assessment]:
    """The highest revision per commune; raises :class:`RevisionConflict` on a conflict."""
    best: dict[str, Assessment] = {}
    for assessment in assessments:
        held = best.get(assessment.commune_code)
        if held is None or assessment.revision > held.revision:
            best[assessment.commune_code] = assessment
        elif assessment.revision == held.revision and not same_content(held, assessment):
            raise RevisionConflict(held, assessment)
    return best
