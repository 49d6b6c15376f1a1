"""Stored payloads rebuilt without the strict path, and the digest of a decoded event.

Both are shortcuts past a second strict parse (models/stored.py, models/digest.py);
both must give exactly what the slow way gives, which these tests check by property.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.decode import Rejection, decode
from models.digest import content_digest, raw_digest
from models.events import AssessmentSubmitted, CommuneRegistered
from models.stored import stored_assessment, stored_commune
from streams.assessments import content_digest as streams_content_digest
from tests.unit.decode_strategies import TEXT, Writer, messages, ruleset_for
from tests.unit.events_fixtures import assessment, commune, disbursement, raw
from tests.unit.test_fast_decode import typed


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(message=messages())
def test_a_stored_assessment_is_the_decoded_one(message: bytes) -> None:
    event = decode(message, "assessments", ruleset_for)
    if isinstance(event, Rejection):
        return
    assert isinstance(event, AssessmentSubmitted)
    rebuilt = stored_assessment(message.decode("utf-8"))
    assert typed(rebuilt.__dict__) == typed(event.to_domain().__dict__)
    assert rebuilt == event.to_domain()


@st.composite
def commune_messages(draw: st.DrawFn) -> bytes:
    fields = {"name_fr": draw(TEXT), "name_ar": draw(TEXT), "participating": draw(st.booleans()),
              "population": {"2014": draw(st.integers(0, 10**6)),
                             "2024": draw(st.integers(0, 10**9))}}
    if draw(st.booleans()):
        fields["event_id"] = "3F1C9A52-8D0E-4C53-9A4E-0C1F0B7D2A61"
    return Writer(draw).write(commune(**fields)).encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(message=commune_messages())
def test_a_stored_commune_and_its_digest(message: bytes) -> None:
    event = decode(message, "communes")
    assert isinstance(event, CommuneRegistered), event
    assert stored_commune(message.decode("utf-8")) == event.to_domain()
    assert content_digest(event) == raw_digest(message) == streams_content_digest(message)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(message=messages())
def test_the_digest_is_the_one_the_pipeline_computes_today(message: bytes) -> None:
    """``raw_digest`` is streams' ``content_digest(raw)`` moved to models; while streams
    keeps its own copy, both must agree."""
    event = decode(message, "assessments", ruleset_for)
    if isinstance(event, AssessmentSubmitted):
        assert content_digest(event) == raw_digest(message) == streams_content_digest(message)


def test_what_only_the_strict_reader_reads() -> None:
    """An mmc_only cycle ignores indicators, so any JSON is valid there: a lone surrogate,
    which msgspec refuses and ``json.loads`` reads, lists, nulls, nested objects."""
    message = raw(assessment(cycle=2019, indicators={"x": "?", "y": [1, None, {"z": 0.5}]})
                  ).replace(b'"?"', b'"\\ud800"')
    event = decode(message, "assessments")
    assert isinstance(event, AssessmentSubmitted), event
    assert event.indicators["x"] == "\ud800"
    assert stored_assessment(message.decode("utf-8")) == event.to_domain()
    assert content_digest(event) == raw_digest(message) == streams_content_digest(message)


def test_payments_have_no_content_digest() -> None:
    event = decode(raw(disbursement(amount_mad="0012.50")), "disbursements")
    try:
        content_digest(event)  # type: ignore[arg-type]
    except TypeError as exc:
        assert "DisbursementExecuted" in str(exc)
    else:
        raise AssertionError("a payment was digested")
