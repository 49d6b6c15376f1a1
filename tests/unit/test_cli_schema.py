"""``pac-grants schema`` through the real console entry point."""

from __future__ import annotations

import json

import jsonschema
import yaml
from click.testing import CliRunner

from pac_grants.cli import main
from pac_grants.contract import event_schema, input_events
from pac_grants.contract.examples import EXAMPLES
from tests.unit.test_contract import official_errors


def _schema(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["schema", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_one_event_prints_its_json_schema() -> None:
    code, out, err = _schema("DisbursementExecuted")
    assert (code, err) == (0, "")
    printed = json.loads(out)
    assert printed == event_schema("DisbursementExecuted")
    validator = jsonschema.Draft7Validator(printed)
    validator.validate(EXAMPLES["DisbursementExecuted"])
    assert not validator.is_valid(EXAMPLES["DisbursementExecuted"] | {"amount_mad": 4500000})


def test_without_argument_it_lists_the_events_per_topic() -> None:
    code, out, _ = _schema(env={"PAC_TOPIC_PREFIX": "acme."})
    assert code == 0
    assert ("acme.cycles.v1: CycleOpened, PoolAdjusted, ResultsNotified, CycleClosed, "
            "CycleReopened") in out.splitlines()
    for name in input_events():
        assert name in out


def test_asyncapi_prints_a_valid_self_contained_document() -> None:
    code, out, _ = _schema("--asyncapi", "--topic-prefix", "test.")
    assert code == 0
    document = yaml.safe_load(out)
    assert official_errors(document) == []
    assert document["channels"]["communes"]["address"] == "test.communes.v1"
    assert "$ref" not in json.dumps(document["components"]["messages"]["CycleOpened"]["payload"])


def test_an_unknown_event_is_one_line_and_exit_2() -> None:
    code, out, err = _schema("AssessmentSubmited")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown event 'AssessmentSubmited'" in err
    assert "AssessmentSubmitted" in err


def test_an_event_and_asyncapi_together_is_a_usage_error() -> None:
    code, _, err = _schema("CycleClosed", "--asyncapi")
    assert code == 2 and err.count("\n") == 1


def test_help_says_what_it_prints() -> None:
    code, out, _ = _schema("--help")
    assert code == 0 and "JSON Schema of EVENT" in out and "--asyncapi" in out
