"""Right-to-left override characters in text fields are refused (issue 12).

U+202A-202E (embeddings, overrides) and U+2066-2069 (isolates) reorder what follows them
on screen: a commune named ``\u202e10.100.90`` would show its neighbour's code reversed.
They are ``invalid_value`` in every text field of an event (models/events.py ``Text``).
"""

from __future__ import annotations

import pytest

from models.decode import Rejection, decode
from models.events import CommuneRegistered
from tests.unit.events_fixtures import assessment, commune, raw

BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


@pytest.mark.parametrize("char", BIDI, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["name_fr", "name_ar", "region", "province"])
def test_bidi_controls_in_names_are_invalid_values(char: str, field: str) -> None:
    result = decode(raw(commune(**{field: f"Agadir{char}10.100"})), "communes")
    assert isinstance(result, Rejection)
    assert result.code == "invalid_value"
    assert field in result.message


def test_bidi_controls_in_assessment_text_are_invalid_values() -> None:
    result = decode(raw(assessment(assessor="Cabinet \u2067x\u2069")), "assessments")
    assert isinstance(result, Rejection) and result.code == "invalid_value"


def test_arabic_names_and_marks_stay_valid() -> None:
    # the right-to-left mark U+200F is not an override: Arabic text may carry it
    result = decode(raw(commune(name_ar="الدار البيضاء\u200f")), "communes")
    assert isinstance(result, CommuneRegistered)
