"""Hypothesis strategies of assessment messages, valid and not, spelled in many ways.

A message is drawn as a value (mostly valid for its ruleset, sometimes broken on
purpose), then written by a small JSON writer that can spell the same value differently
(spacing, ``\\u`` escapes, ``1e5`` or ``-0``), then sometimes damaged at the byte level
(a duplicated key, a cut, a flipped byte). Tests feed the bytes to both decoders.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from pac_grants.rules.ruleset import Indicator, Ruleset, packaged_ruleset, parse_ruleset

ODD_RULESET = parse_ruleset("""
id: odd
version: 1
cycle: 2040
grant_year: 2041
currency: MAD
population_census: 2024
minimum_conditions: [{id: "M:1"}, {id: M2}]
windows:
  - {id: small, mode: performance, min_score: 10, equal_share: "0.5",
     membership: {max_population: 1000}, cap: {investment_budget_ratio: "0.5"},
     indicators: [{id: "X:1", max_points: 40, scoring: {kind: bands, better: lower,
                   range: [-5, 5], bands: [[-1, 40], [2, 10]]}},
                  {id: Y, max_points: 30, scoring: {kind: boolean}},
                  {id: Z, max_points: 30, scoring: {kind: points}}]}
  - {id: twin, mode: performance, min_score: 10, equal_share: "0.5",
     membership: {min_population: 1001, max_population: 5000}, cap: {absolute_mad: 900},
     indicators: [{id: "X:1", max_points: 40, scoring: {kind: bands, better: lower,
                   range: [-5, 5], bands: [[-1, 40], [2, 10]]}},
                  {id: Y, max_points: 30, scoring: {kind: boolean}},
                  {id: Z, max_points: 30, scoring: {kind: points}}]}
  - {id: big, mode: mmc_only, min_score: 0, equal_share: "1",
     membership: {min_population: 5001}, cap: {absolute_mad: 1000}}
""", "odd ruleset of the tests")


def ruleset_for(cycle: int) -> Ruleset | None:
    """Packaged rulesets, and the odd one (colons in ids, twin windows, mmc_only)."""
    return ODD_RULESET if cycle in (2040, 0) else packaged_ruleset(cycle)


def mostly(draw: st.DrawFn, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any],
           odds: int = 30) -> Any:
    """``good`` but once in ``odds`` draws ``bad`` (most messages stay valid)."""
    return draw(bad) if draw(st.integers(0, odds - 1)) == 7 else draw(good)  # no edge


def _decimal(draw: st.DrawFn, low: Decimal, high: Decimal) -> Decimal:
    places = draw(st.integers(0, 9))
    inside = st.decimals(min_value=low, max_value=high, places=places)
    return mostly(draw, inside, st.sampled_from([low - 1, high + Decimal("0.001")]), 60)


def _indicator_value(draw: st.DrawFn, indicator: Indicator) -> object:
    scoring = indicator.scoring
    if scoring.kind == "boolean":
        return mostly(draw, st.booleans(), st.sampled_from([0, "true", None]), 60)
    if scoring.kind == "points":
        return mostly(draw, st.integers(0, indicator.max_points),
                      st.sampled_from([-1, indicator.max_points + 1, Decimal(1), True]), 60)
    assert scoring.low is not None and scoring.high is not None
    number = _decimal(draw, scoring.low, scoring.high)
    spelling = draw(st.sampled_from(["decimal", "decimal", "int", "str", "str "]))
    if spelling == "int":
        return int(number)
    if spelling.startswith("str"):
        return str(number) + spelling[3:]
    return number


TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=8)
JSON_ODDITIES: st.SearchStrategy[object] = st.sampled_from([
    None, True, 1, -1, 0, 2**64, Decimal("1.5"), Decimal("0.0000001"), "", "x" * 201,
    "a\x01b", "1", [], [1, {"a": 1}], {}, {"a": {"b": {"c": []}}}])


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    """An assessment of a known cycle, mostly valid; one field sometimes broken."""
    cycle = mostly(draw, st.sampled_from([2019, 2021, 2022, 2024, 2024, 2040]),
                   st.sampled_from([2030, 0, 10**20]))
    ruleset = ruleset_for(cycle) or ODD_RULESET
    window = draw(st.sampled_from(ruleset.windows))
    spell_id = mostly(draw, st.just(str), st.sampled_from([lambda u: str(u).upper(),
                                                           lambda u: u.hex]), 8)
    data: dict[str, Any] = {
        "event_id": spell_id(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))),
        "event_type": "AssessmentSubmitted", "schema_version": 1,
        "occurred_at": mostly(draw, st.sampled_from(["2022-03-01T09:30:00Z",
                                                     "2022-03-01T09:30:00.5+01:00"]),
                              st.sampled_from(["2022-03-01 09:30:00Z", "2022-03-01T09:30:00"])),
        "source": mostly(draw, TEXT, st.sampled_from(["", "s" * 65, "\x1f"])),
        "assessment_id": mostly(draw, TEXT, st.text(min_size=1, max_size=3)),
        "cycle": cycle, "commune_code": mostly(draw, st.sampled_from(["09.001.01.01", "A:1"]),
                                               st.just("x" * 33)),
        "revision": mostly(draw, st.integers(1, 3), st.sampled_from([0, 2**31, -1])),
        "assessed_on": mostly(draw, st.just("2022-02-14"),
                              st.sampled_from(["2022-02-30", "2022-2-14"])),
        "assessor": mostly(draw, TEXT, st.sampled_from(["y" * 201, "a\x00b", "é\x0b"])),
        "conditions": {c.id: mostly(draw, st.booleans(), st.just("yes"), 60)
                       for c in ruleset.conditions},
        "indicators": {i.id: _indicator_value(draw, i) for i in window.indicators},
    }
    budget = draw(st.sampled_from(["absent", None, 85000000, Decimal("1234.50"), 0,
                                   Decimal("-0.0")]))
    if budget != "absent":
        data["investment_budget_mad"] = budget
    if not data["indicators"] and draw(st.booleans()):
        del data["indicators"]
    return draw(_broken(data))


@st.composite
def _broken(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    damage = draw(st.sampled_from(["none"] * 12 + ["drop", "extra", "replace", "nested"]))
    keys = sorted(data)
    if damage == "drop":
        del data[draw(st.sampled_from(keys))]
    elif damage == "extra":
        data[draw(st.sampled_from(["note", "Cycle", ""]))] = 1
    elif damage == "replace":
        data[draw(st.sampled_from(keys))] = draw(JSON_ODDITIES)
    elif damage == "nested":
        inner = draw(st.sampled_from(["conditions", "indicators"]))
        if isinstance(data.get(inner), dict) and data[inner]:
            data[inner][draw(st.sampled_from(sorted(data[inner])))] = draw(JSON_ODDITIES)
    return data


class Writer:
    """JSON text of a value, with a drawn spelling of numbers, strings and spacing."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.colon = draw(st.sampled_from([":", ": ", " : "]))
        self.comma = draw(st.sampled_from([",", ", ", ",\n  "]))
        self.ascii = draw(st.booleans())
        self.escape_keys = draw(st.booleans())

    def write(self, value: object) -> str:
        if isinstance(value, dict):
            items = [self.key(k) + self.colon + self.write(v) for k, v in value.items()]
            return "{" + self.comma.join(items) + "}"
        if isinstance(value, list):
            return "[" + self.comma.join(self.write(v) for v in value) + "]"
        if isinstance(value, Decimal):
            return self.number(value)
        if isinstance(value, int) and not isinstance(value, bool) and value == 0:
            return self.draw(st.sampled_from(["0", "0", "-0"]))
        return json.dumps(value, ensure_ascii=self.ascii)

    def key(self, key: str) -> str:
        text = json.dumps(key, ensure_ascii=self.ascii)
        if self.escape_keys and key[:1].isascii() and key[:1].isalpha():  # same key
            return f'"\\u{ord(key[0]):04x}' + text[2:]
        return text

    def number(self, value: Decimal) -> str:
        spellings: list[Callable[[Decimal], str]] = [
            str, str, lambda d: f"{d:e}", lambda d: f"{d:E}", lambda d: f"{d:f}"]
        spelling = self.draw(st.sampled_from(spellings))
        text = spelling(value)
        return text if "." in text or "e" in text.lower() else text + ".0"


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """Bytes of an assessment message, sometimes damaged after writing."""
    raw = Writer(draw).write(draw(assessments())).encode("utf-8")
    damage = draw(st.sampled_from(["none"] * 14 + ["duplicate", "nested duplicate", "cut",
                                                   "byte", "colon escape", "nan"]))
    if damage == "duplicate":
        raw = raw.replace(b"{", b'{"cycle":2021,', 1)
    elif damage == "nested duplicate" and b'"conditions"' in raw:
        at = raw.index(b"{", raw.index(b'"conditions"'))
        raw = raw[:at + 1] + b'"MMC1":true,' + raw[at + 1:]
    elif damage == "cut":
        raw = raw[:draw(st.integers(0, len(raw)))]
    elif damage == "byte":
        at = draw(st.integers(0, max(0, len(raw) - 1)))
        raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1:]
    elif damage == "colon escape":
        raw = raw.replace(b"T09:30", b"T09\\u003a30")
    elif damage == "nan":
        raw = raw.replace(b'"revision":', b'"revision":NaN,"x":', 1)
    return raw
