"""The fast decode path gives the strict path's answer, on any message (models/fast_decode).

By property over drawn messages (tests/unit/decode_strategies.py), valid and not: the
same rejection (code, sentence, fields), or an event equal field by field, with the same
types, the same fields set, and the content digest of its bytes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings

from models.decode import Rejection, decode, decode_strict
from models.digest import content_digest, raw_digest
from models.events import AssessmentSubmitted
from models.fast_decode import quick_assessment
from pac_grants.rules.ruleset import packaged_ruleset
from pac_grants.scenario import generate_program
from tests.unit.decode_strategies import messages, ruleset_for
from tests.unit.events_fixtures import assessment, raw


def typed(value: object) -> Any:
    """A value with the type of every part, so that 2 and Decimal(2) differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, AssessmentSubmitted):
        return typed(value.__dict__) | {"fields set": sorted(value.model_fields_set)}
    return (type(value).__name__, repr(value))


def assert_same_answer(message: bytes) -> AssessmentSubmitted | Rejection:
    strict = decode_strict(message, "assessments", ruleset_for)
    fast = decode(message, "assessments", ruleset_for)
    if isinstance(strict, Rejection):
        assert fast == strict
        return strict
    assert isinstance(fast, AssessmentSubmitted) and isinstance(strict, AssessmentSubmitted)
    assert typed(fast) == typed(strict)
    assert fast == strict
    assert content_digest(fast) == content_digest(strict) == raw_digest(message)
    return strict


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(message=messages())
@example(message=raw(assessment()))
@example(message=raw(assessment(indicators={"A1": 1})).replace(b'"A1": 1', b'"A1": 1e-1'))
def test_fast_and_strict_paths_agree(message: bytes) -> None:
    assert_same_answer(message)


def test_the_drawn_messages_reach_both_outcomes_and_the_fast_path() -> None:
    """The property above is only worth something if it sees accepted messages that the
    fast path takes, and rejected ones (a guard against a strategy that drifted)."""
    seen: dict[str, int] = {"fast": 0, "strict accepted": 0, "rejected": 0}

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    @given(message=messages())
    def count(message: bytes) -> None:
        answer = decode_strict(message, "assessments", ruleset_for)
        if isinstance(answer, Rejection):
            seen["rejected"] += 1
        elif quick_assessment(message, ruleset_for) is not None:
            seen["fast"] += 1
        else:
            seen["strict accepted"] += 1

    count()
    assert seen["fast"] >= 20 and seen["rejected"] >= 20 and seen["strict accepted"] >= 5, seen


def test_the_benchmark_assessments_take_the_fast_path() -> None:
    program = generate_program(seed=5150, scale=1, revisions=1)
    sent = [m.value for p in program.phases for m in p.messages if m.topic == "assessments"]
    assert len(sent) > 100
    accepted = [m for m in sent if not isinstance(decode_strict(m, "assessments"), Rejection)]
    assert len(accepted) > 0.9 * len(sent)
    for message in accepted:
        assert quick_assessment(message, packaged_ruleset) is not None
        assert_same_answer(message)


def test_unusual_spellings_go_to_the_strict_path_and_keep_their_digest() -> None:
    base = raw(assessment(indicators={**assessment()["indicators"], "B2": 0, "A1": 0.5}))
    for old, new in [(b'"B2": 0', b'"B2": -0'), (b'"A1": 0.5', b'"A1": 5e-1'),
                     (b'"A1": 0.5', b'"A1": 0.00000005'), (b"85000000", b"8.5E7")]:
        message = base.replace(old, new)
        assert message != base
        assert quick_assessment(message, packaged_ruleset) is None
        event = assert_same_answer(message)
        assert isinstance(event, AssessmentSubmitted), event
        before = decode_strict(base, "assessments")
        assert isinstance(before, AssessmentSubmitted)
        assert content_digest(event) != content_digest(before)


def test_duplicates_are_refused_at_every_depth_even_when_a_string_holds_colons() -> None:
    base = raw(assessment(assessor="a:b::c"))
    for old, new in [(b"{", b'{"cycle": 2021, '),
                     (b'"conditions": {', b'"conditions": {"MMC1": true, ')]:
        message = base.replace(old, new, 1)
        assert message != base
        got = decode(message, "assessments")
        assert isinstance(got, Rejection) and "duplicate key" in got.message, got


def test_exact_decimals_on_the_fast_path() -> None:
    message = raw(assessment()).replace(b'"A1": "0.82"', b'"A1": 0.70')
    event = quick_assessment(message, packaged_ruleset)
    assert event is not None and event.indicators["A1"] == Decimal("0.70")
    assert str(event.indicators["A1"]) == "0.70"


def test_a_right_to_left_override_in_a_text_is_refused_on_both_paths() -> None:
    for text in ("M. \u202eBennani", "\u2066x\u2069"):
        for message in (raw(assessment(assessor=text)),
                        raw(assessment(assessor=text)).replace(
                            text.encode(), text.encode("ascii", "backslashreplace")
                            .replace(b"\\u", b"\\u"))):
            assert quick_assessment(message, ruleset_for) is None
            got = assert_same_answer(message)
            assert isinstance(got, Rejection) and got.code == "invalid_value", got
