"""The published contract (docs/schemas/, docs/asyncapi.yaml) against the models.

A model changed without regenerating the files fails here, naming the files and the
command that rewrites them. The AsyncAPI document is validated against the official
AsyncAPI 3.0.0 JSON Schema (vendored from ``@asyncapi/specs``, tests/unit/data/asyncapi/).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from models.decode import Rejection, decode
from pac_grants.contract import (
    REGENERATE,
    asyncapi_document,
    event_schema,
    generated_files,
    input_events,
    topic_of,
)
from pac_grants.contract.descriptions import EVENTS, field_description
from pac_grants.contract.examples import EXAMPLES
from pac_grants.contract.files import stale_files

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
OFFICIAL = Path(__file__).parent / "data" / "asyncapi" / "asyncapi-3.0.0.schema.json"


@cache
def official_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(OFFICIAL.read_text("utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def official_errors(document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in official_validator().iter_errors(document)]


def test_committed_files_are_what_the_models_give() -> None:
    stale = stale_files(DOCS)
    assert not stale, (f"docs/ is out of date with the models: {', '.join(stale)}; "
                       f"run `.venv/bin/{REGENERATE}` and commit the result")


def test_stale_files_are_detected_and_rewritten(tmp_path: Path) -> None:
    """The check itself can fail: a changed schema, a missing one, a left-over one."""
    from pac_grants.contract.__main__ import main

    assert main(["--check", str(tmp_path)]) == 1
    assert main([str(tmp_path)]) == 0 and main(["--check", str(tmp_path)]) == 0
    schema = tmp_path / "schemas" / "CycleClosed.json"
    schema.write_text(schema.read_text("utf-8").replace('"cycle"', '"cycles"'), "utf-8")
    (tmp_path / "schemas" / "Gone.json").write_text("{}", "utf-8")
    assert stale_files(tmp_path) == ["schemas/CycleClosed.json", "schemas/Gone.json"]
    assert main([str(tmp_path)]) == 0 and stale_files(tmp_path) == []
    assert not (tmp_path / "schemas" / "Gone.json").exists()


def test_committed_asyncapi_is_valid_asyncapi_3() -> None:
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text("utf-8"))
    assert document["asyncapi"] == "3.0.0"
    assert official_errors(document) == []


def test_inline_asyncapi_is_valid_and_carries_the_schemas() -> None:
    document = asyncapi_document("acme.", inline=True)
    assert official_errors(document) == []
    assert document["channels"]["assessments"]["address"] == "acme.assessments.v1"
    message = document["components"]["messages"]["AssessmentSubmitted"]
    assert message["payload"] == event_schema("AssessmentSubmitted")


def test_the_official_schema_refuses_a_broken_document() -> None:
    document = asyncapi_document()
    document["operations"]["receiveCommunes"]["action"] = "consume"
    del document["info"]["title"]
    assert len(official_errors(document)) >= 2


def test_every_topic_and_event_is_in_the_document() -> None:
    from pac_grants.broker.topics import COMPACTED, INPUTS, OUTPUTS

    document = yaml.safe_load(generated_files()["asyncapi.yaml"])
    assert list(document["channels"]) == list(INPUTS + OUTPUTS)
    for name in input_events():
        channel = document["channels"][topic_of(name)]
        assert channel["messages"][name] == {"$ref": f"#/components/messages/{name}"}
        payload = document["components"]["messages"][name]["payload"]
        assert payload == {"$ref": f"schemas/{name}.json"}
        assert (DOCS / "schemas" / f"{name}.json").is_file()
    for logical in COMPACTED:
        config = document["channels"][logical]["bindings"]["kafka"]["topicConfiguration"]
        assert config == {"cleanup.policy": ["compact"]}


def test_every_schema_is_a_valid_draft_07_schema() -> None:
    for name in input_events():
        jsonschema.Draft7Validator.check_schema(event_schema(name))


@pytest.mark.parametrize("event_type", list(input_events()))
def test_every_event_has_an_example_the_calculator_accepts(event_type: str) -> None:
    assert event_type in EXAMPLES, (
        f"{event_type} has no example in pac_grants/contract/examples.py")
    example = EXAMPLES[event_type]
    decoded = decode(json.dumps(example, ensure_ascii=False).encode("utf-8"),
                     topic_of(event_type))
    assert not isinstance(decoded, Rejection), decoded
    jsonschema.Draft7Validator(event_schema(event_type)).validate(example)


@pytest.mark.parametrize("event_type", list(input_events()))
def test_every_event_and_field_is_described(event_type: str) -> None:
    assert EVENTS.get(event_type), (
        f"{event_type} has no description in pac_grants/contract/descriptions.py EVENTS")
    missing = [name for name in input_events()[event_type].model_fields
               if not field_description(event_type, name)]
    assert missing == [], (f"{event_type}: no description for {', '.join(missing)} in "
                           "pac_grants/contract/descriptions.py FIELDS")


def test_schemas_are_self_contained_draft_07() -> None:
    for name in input_events():
        text = json.dumps(event_schema(name))
        assert '"$defs"' not in text and '"#/$defs/' not in text
        assert event_schema(name)["$schema"] == "http://json-schema.org/draft-07/schema#"
