"""The generated schemas say what the models and ``models.decode`` enforce, no less, and
the output schemas describe the records the calculator really publishes."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from models.decode import Rejection, decode
from pac_grants.contract import event_schema, topic_of
from pac_grants.contract.examples import EXAMPLES
from pac_grants.contract.outputs import OUTPUT_MESSAGES
from pac_grants.scenario import generate_program
from tests.unit.streams_harness import Feed, assessment, commune, cycle_event, opened


def schema_errors(event_type: str, value: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(event_schema(event_type),
                                           format_checker=jsonschema.FormatChecker())
    return [error.message for error in validator.iter_errors(value)]


def test_every_valid_event_of_the_sample_program_fits_its_schema() -> None:
    """The schemas are not stricter than the calculator: whatever it accepts fits."""
    program = generate_program(seed=20190, scale=1, cycles=(2021, 2024), revisions=2)
    checked = 0
    for message in program.messages():
        if message.expect_rejection is not None:
            continue
        value = json.loads(message.value)
        assert not isinstance(decode(message.value, message.topic), Rejection)
        assert schema_errors(value["event_type"], value) == [], value
        checked += 1
    assert checked > 500


def _with(event_type: str, path: str, value: object) -> dict[str, Any]:
    example = copy.deepcopy(EXAMPLES[event_type])
    *parents, last = path.split(".")
    target = example
    for part in parents:
        target = target[part]
    target[last] = value
    return example


#: (event type, field, a bad value, the dead-letter code the calculator gives).
REFUSED = [
    ("CycleClosed", "event_id", "not-a-uuid", "schema_violation"),
    ("CycleClosed", "occurred_at", "2022-06-30 16:00:00Z", "schema_violation"),
    ("CycleClosed", "occurred_at", "2022-06-30T16:00:00", "schema_violation"),
    ("CycleClosed", "schema_version", 2, "unsupported_schema_version"),
    ("CycleClosed", "source", "", "schema_violation"),
    ("CycleClosed", "cycle", "2021", "schema_violation"),
    ("CycleClosed", "decided", True, "schema_violation"),
    ("CommuneRegistered", "name_fr", "x" * 201, "schema_violation"),
    ("CommuneRegistered", "region", "Souss\x01Massa", "schema_violation"),
    ("CommuneRegistered", "code", "0" * 33, "schema_violation"),
    ("CommuneRegistered", "population.2014", -1, "value_out_of_range"),
    ("CommuneRegistered", "participating", "yes", "schema_violation"),
    ("CycleOpened", "pools.standard", -5, "value_out_of_range"),
    ("CycleOpened", "pools.standard", 10**15 + 1, "value_out_of_range"),
    ("PoolAdjusted", "pool_mad", "1550000000", "invalid_value"),
    ("AssessmentSubmitted", "revision", 0, "value_out_of_range"),
    ("AssessmentSubmitted", "assessed_on", "2022-2-14", "invalid_value"),
    ("AssessmentSubmitted", "investment_budget_mad", "85000000", "invalid_value"),
    ("AssessmentSubmitted", "conditions.MMC1", "yes", "invalid_value"),
    ("AssessmentSubmitted", "indicators.A1", None, "invalid_value"),
    ("DisbursementExecuted", "amount_mad", 4500000, "invalid_value"),
    ("DisbursementExecuted", "amount_mad", "4500000.001", "invalid_value"),
    ("DisbursementExecuted", "amount_mad", "0.00", "value_out_of_range"),
    ("DisbursementExecuted", "amount_mad", "-5.00", "value_out_of_range"),
    ("DisbursementExecuted", "amount_mad", "1000000000000000.01", "value_out_of_range"),
    ("DisbursementExecuted", "paid_on", "15/07/2022", "invalid_value"),
]


@pytest.mark.parametrize(("event_type", "path", "value", "code"), REFUSED)
def test_what_the_calculator_refuses_the_schema_refuses(event_type: str, path: str,
                                                        value: object, code: str) -> None:
    bad = _with(event_type, path, value)
    decoded = decode(json.dumps(bad).encode("utf-8"), topic_of(event_type))
    assert isinstance(decoded, Rejection) and decoded.code == code, decoded
    assert schema_errors(event_type, bad) != []


def test_the_records_the_calculator_publishes_fit_the_output_schemas() -> None:
    feed = Feed()
    feed.send("communes", commune("A"), commune("B", population=200_000))
    feed.send("cycles", opened(10_000_000))
    feed.send("assessments", assessment("A"), assessment("Z"))
    feed.send("cycles", cycle_event("CycleClosed", cycle=2021))
    feed.batch([feed.message("assessments", b"\xff{", key="A"),
                feed.message("communes", b"x" * 70_000, key="B")])
    schemas = {f"pac.{topic}.v1": {"anyOf": [schema for _name, schema, _key in messages]}
               for topic, messages in OUTPUT_MESSAGES.items()}
    records = [(topic, json.loads(value)) for _i, topic, _k, value in feed.pending()]
    seen = {topic for topic, _ in records}
    assert {"pac.allocations.v1", "pac.dead-letters.v1"} <= seen <= set(schemas)
    for topic, record in records:
        jsonschema.Draft7Validator(schemas[topic]).validate(record)
    assert any(r.get("status") == "final" for _, r in records)
    assert any(r.get("encoding") == "base64" for _, r in records)
    assert any(r.get("truncated") for _, r in records)


def test_the_output_schemas_refuse_a_record_of_another_shape() -> None:
    dead_letter = OUTPUT_MESSAGES["dead-letters"][0][1]
    record = {"received_at": "2022-03-01T09:30:02Z", "source_topic": "pac.assessments.v1",
              "partition": 3, "offset": 1841, "key": "09.001.01.01", "raw_value": "{}",
              "error": {"code": "no_such_code", "message": "?", "details": []}}
    errors = list(jsonschema.Draft7Validator(dead_letter).iter_errors(record))
    assert [e.absolute_path[-1] for e in errors] == ["code"]
