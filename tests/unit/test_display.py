"""One formatter and one parser of money for people (pac_grants/display.py), and the
rules the page formats with (the same CLDR data, checked here against Babel)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pac_grants import display, money
from pac_grants.i18n import LANGS, Lang


def test_french_and_arabic_of_morocco() -> None:
    assert display.money(150_000_000_000, "fr") == "1\u202f500\u202f000\u202f000,00\xa0MAD"
    assert display.money(-5, "fr") == "-0,05\xa0MAD"
    assert display.money(150_000_000_000, "ar") == (
        "\u200f1.500.000.000,00\xa0\u062f.\u0645.\u200f")
    assert display.money(123_456, "fr", currency=False) == "1\u202f234,56"
    assert display.number(504_768, "fr") == "504\u202f768"


@given(st.integers(min_value=-(10**17), max_value=10**17), st.sampled_from(LANGS))
def test_parse_reads_back_what_money_writes(centimes: int, lang: Lang) -> None:
    assert display.parse(display.money(centimes, lang), lang) == centimes
    assert display.parse(display.money(centimes, lang, currency=False), lang) == centimes
    assert display.parse(money.text(centimes), lang) == centimes


@pytest.mark.parametrize("text", ["", "abc", "1,234", "1.5.5", "MAD", "1,001 MAD", "NaN"])
def test_parse_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        display.parse(text, "fr")


def page_money(centimes: int, rules: dict[str, Any]) -> str:
    """The page's algorithm (app.js ``money``), transcribed: integer arithmetic only."""
    before, after = rules["negative" if centimes < 0 else "positive"]
    whole, cents = divmod(abs(centimes), 100)
    digits = str(whole)
    primary, secondary = rules["grouping"]
    groups = [digits[-primary:]] if len(digits) > primary else [digits]
    rest = digits[:-primary] if len(digits) > primary else ""
    while rest:
        groups.insert(0, rest[-secondary:])
        rest = rest[:-secondary]
    body = str(rules["group"]).join(groups) + str(rules["decimal"]) + f"{cents:02d}"
    return f"{before}{body}{after}"


@given(st.integers(min_value=-(10**17), max_value=10**17), st.sampled_from(LANGS))
def test_the_page_rules_give_babels_text(centimes: int, lang: Lang) -> None:
    assert page_money(centimes, display.page_rules(lang)) == display.money(centimes, lang)
