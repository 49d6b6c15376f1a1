"""What a refused message becomes: a dead-letter code of docs/events.md s9, a sentence, fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pac_grants.rules.scoring import show


@dataclass(frozen=True)
class Rejection:
    """Why a message is dead-lettered: a code of docs/events.md s9, a sentence, the fields."""

    code: str
    message: str
    details: list[dict[str, str]] = field(default_factory=list)

    def as_error(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class Rejected(Exception):
    """Raised inside the strict decoder; ``decode`` returns its rejection."""

    def __init__(self, rejection: Rejection) -> None:
        self.rejection = rejection


def reject(code: str, message: str, field_name: str | None = None,
           value: object = None) -> Rejected:
    details = [] if field_name is None else [{"field": field_name} | (
        {} if value is None else {"value": show(value)})]
    return Rejected(Rejection(code, message, details))
