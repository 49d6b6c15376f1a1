"""Every dead-letter code of docs/events.md s9 decidable from one message alone (models.decode)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.decode import Rejection, decode
from models.events import AssessmentSubmitted, CommuneRegistered, CycleOpened
from tests.unit.events_fixtures import (
    INDICATORS_2021,
    assessment,
    commune,
    cycle_opened,
    disbursement,
    event,
    raw,
)


def rejected(message: bytes | None, topic: str) -> Rejection:
    result = decode(message, topic)
    assert isinstance(result, Rejection), result
    return result


def test_valid_events_of_every_topic() -> None:
    assert isinstance(decode(raw(commune()), "communes"), CommuneRegistered)
    assert isinstance(decode(raw(cycle_opened()), "cycles"), CycleOpened)
    assert not isinstance(decode(raw(event("PoolAdjusted", cycle=2021, window="standard",
                                           pool_mad=1)), "cycles"), Rejection)
    assert not isinstance(decode(raw(event("CycleClosed", cycle=2021)), "cycles"), Rejection)
    assert not isinstance(decode(raw(disbursement()), "disbursements"), Rejection)
    assert isinstance(decode(raw(assessment()), "assessments"), AssessmentSubmitted)


def test_numbers_are_exact_decimals_of_their_text() -> None:
    text = raw(assessment()).replace(b'"A1": "0.82"', b'"A1": 0.69999999999999999999')
    result = decode(text, "assessments")
    assert isinstance(result, AssessmentSubmitted)
    assert result.indicators["A1"] == Decimal("0.69999999999999999999")


def test_events_md_example_of_a_dead_letter_error() -> None:
    bad = assessment(indicators=INDICATORS_2021 | {"A3": "1.4"})
    error = rejected(raw(bad), "assessments")
    assert error.code == "value_out_of_range"
    assert error.message == "indicator A3: 1.4 is outside [0, 1]"
    assert error.details == [{"field": "indicators.A3", "value": "1.4"}]


CASES = [
    ("malformed_json", b'{"event_id": ', "communes"),
    ("malformed_json", b"\xff\xfe not utf-8", "communes"),
    ("malformed_json", b'{"a": NaN}', "cycles"),
    ("malformed_json", b'{"a": Infinity}', "cycles"),
    ("malformed_json", None, "communes"),
    ("schema_violation", b"[1, 2]", "cycles"),
    ("schema_violation", raw(commune(mayor="x")), "communes"),
    ("schema_violation", raw(commune(name_fr="x" * 201)), "communes"),
    ("schema_violation", raw(commune(source="")), "communes"),
    ("schema_violation", raw({k: v for k, v in commune().items() if k != "region"}), "communes"),
    ("schema_violation", raw(commune(occurred_at="2022-03-01T09:30:00")), "communes"),
    ("schema_violation", raw(commune(event_id="not-a-uuid")), "communes"),
    ("schema_violation", b"[" * 5000 + b"]" * 5000, "communes"),
    ("unknown_event_type", raw(event("CommuneDeleted", code="x")), "communes"),
    ("unknown_event_type", raw(commune()), "cycles"),
    ("unsupported_schema_version", raw(commune(schema_version=2)), "communes"),
    ("message_too_large", raw(commune(extra="x" * 70_000)), "communes"),
    ("unknown_cycle", raw(assessment(cycle=2031)), "assessments"),
    ("unknown_cycle", raw(cycle_opened(cycle=1999, ruleset_id="papc-1999")), "cycles"),
    ("unknown_cycle", raw(cycle_opened(ruleset_id="papc-2099")), "cycles"),
    ("unknown_window", raw(cycle_opened(pools={"standard": 1, "rural": 2})), "cycles"),
    ("unknown_window", raw(event("PoolAdjusted", cycle=2021, window="rural", pool_mad=1)),
     "cycles"),
    ("missing_condition", raw(assessment(conditions={"MMC1": True})), "assessments"),
    ("unknown_condition", raw(assessment(conditions={f"MMC{n}": True for n in range(1, 9)})),
     "assessments"),
    ("missing_indicator", raw(assessment(indicators={k: v for k, v in INDICATORS_2021.items()
                                                     if k != "E3"})), "assessments"),
    ("unknown_indicator", raw(assessment(indicators=INDICATORS_2021 | {"Z9": 1})),
     "assessments"),
    ("invalid_value", raw(assessment(indicators=INDICATORS_2021 | {"A2": "yes"})),
     "assessments"),
    ("invalid_value", raw(assessment(indicators=INDICATORS_2021 | {"B2": "4"})),
     "assessments"),
    ("invalid_value", raw(assessment(indicators=INDICATORS_2021 | {"A1": "high"})),
     "assessments"),
    ("invalid_value", raw(disbursement(amount_mad="1.234")), "disbursements"),
    ("invalid_value", raw(disbursement(amount_mad=100)), "disbursements"),
    ("value_out_of_range", raw(assessment(indicators=INDICATORS_2021 | {"B2": 6})),
     "assessments"),
    ("value_out_of_range", raw(assessment(revision=0)), "assessments"),
    ("value_out_of_range", raw(disbursement(amount_mad="0.00")), "disbursements"),
    ("value_out_of_range", raw(cycle_opened(pools={"standard": -1})), "cycles"),
    ("value_out_of_range", raw(cycle_opened(pools={"standard": 10**30})), "cycles"),
]


@pytest.mark.parametrize(("code", "message", "topic"), CASES,
                         ids=[f"{n}-{c[0]}" for n, c in enumerate(CASES)])
def test_rejection_code(code: str, message: bytes | None, topic: str) -> None:
    error = rejected(message, topic)
    assert error.code == code, error.message
    assert error.message


def test_every_single_message_code_is_covered() -> None:
    decidable = {"malformed_json", "schema_violation", "unknown_event_type",
                 "unsupported_schema_version", "message_too_large", "unknown_cycle",
                 "unknown_window", "missing_condition", "missing_indicator",
                 "unknown_condition", "unknown_indicator", "invalid_value",
                 "value_out_of_range"}
    assert {code for code, _, _ in CASES} == decidable


def test_duplicate_keys_are_refused() -> None:
    assert rejected(b'{"event_type": "A", "event_type": "B"}', "cycles").code == "malformed_json"


def test_window_dependent_check_uses_the_named_window() -> None:
    """2024 has two windows: a grandes_communes assessment is checked against its own."""
    grand = assessment(cycle=2024, indicators={"G1": 20, "G2": "0.07", "G3": 10, "G4": "0.5"})
    del grand["investment_budget_mad"]
    assert isinstance(decode(raw(grand), "assessments"), AssessmentSubmitted)


@pytest.mark.parametrize(("data", "code"), [
    (commune(schema_version=True), "schema_violation"),
    (commune(schema_version="1"), "schema_violation"),
    (commune(name_fr="Agadir\u0000"), "schema_violation"),
    (commune(region="a\x1bb"), "schema_violation"),
    (assessment(revision=2**31), "value_out_of_range"),
    (disbursement(amount_mad="\uff11\uff12\uff13"), "invalid_value"),
    (disbursement(amount_mad="\u0661\u0662\u0663"), "invalid_value"),
    (disbursement(paid_on="\uff12022-06-30"), "invalid_value"),
])
def test_values_a_database_or_a_reader_would_misread(data: dict[str, object], code: str) -> None:
    topic = {"CommuneRegistered": "communes", "AssessmentSubmitted": "assessments",
             "DisbursementExecuted": "disbursements"}[str(data["event_type"])]
    assert rejected(raw(data), topic).code == code


def test_schema_version_one_point_zero_is_another_version() -> None:
    text = raw(commune()).replace(b'"schema_version": 1', b'"schema_version": 1.0')
    assert rejected(text, "communes").code == "unsupported_schema_version"


def test_tab_and_newline_are_text() -> None:
    assert isinstance(decode(raw(commune(name_fr="Agadir\tTikiouine\n")), "communes"),
                      CommuneRegistered)


@pytest.mark.parametrize("field", ["pool_mad", "revision", "population"])
def test_a_whole_number_too_long_to_parse_is_out_of_range(field: str) -> None:
    digits = b"9" * 5000
    if field == "pool_mad":
        text = raw(event("PoolAdjusted", cycle=2021, window="standard", pool_mad=1))
        topic, old = "cycles", b'"pool_mad": 1'
    elif field == "revision":
        text, topic, old = raw(assessment()), "assessments", b'"revision": 1'
    else:
        text, topic, old = raw(commune()), "communes", b'"2014": 421844'
    huge = text.replace(old, old.rsplit(b" ", 1)[0] + b" " + digits)
    assert huge != text
    assert rejected(huge, topic).code == "value_out_of_range"
