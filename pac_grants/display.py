"""Money and numbers shown to people: Babel's CLDR data for ``fr_MA`` and ``ar_MA``.

One formatter (:func:`money`) and one parser (:func:`parse`) for every amount a person
reads: the command line's tables, the demo's summary, the spreadsheets' ``;`` CSV, and
the page, which formats with :func:`page_rules` (the same CLDR symbols and pattern,
applied to integer centimes in JavaScript, never through a floating-point Number).
Machine output (JSON, plain CSV, the ledger's commands in ``json``) keeps
:func:`pac_grants.money.text` (``"1500000000.00"``). Inside, money is integer centimes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

from pac_grants import money as machine
from pac_grants.i18n import Lang

LOCALES: dict[str, str] = {"fr": "fr_MA", "ar": "ar_MA"}
CURRENCY = "MAD"
_MARKS = re.compile("[\u200e\u200f\u061c\u00a0\u202f ]")


def money(centimes: int, lang: Lang = "fr", *, currency: bool = True) -> str:
    """``150000000000`` -> ``1 500 000 000,00 MAD`` (fr) or ``1.500.000.000,00 د.م.`` (ar),
    with CLDR's own spaces and bidi marks."""
    amount = Decimal(machine.text(centimes))
    if currency:
        return format_currency(amount, CURRENCY, locale=LOCALES[lang])
    return format_decimal(amount, format="#,##0.00", locale=LOCALES[lang])


def number(value: int, lang: Lang = "fr") -> str:
    """A whole number (population, counts) with the locale's grouping."""
    return format_decimal(value, locale=LOCALES[lang])


def decimal(value: Decimal, lang: Lang = "fr", places: int = 2) -> str:
    """A decimal (a share, MAD per inhabitant) with ``places`` decimals, no currency."""
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def parse(text: str, lang: Lang = "fr") -> int:
    """Centimes from what :func:`money` (either language) or :func:`pac_grants.money.text`
    wrote; ``ValueError`` for anything else, or more than two decimals."""
    try:
        return machine.parse(text)
    except ValueError:
        pass
    symbol = get_currency_symbol(CURRENCY, LOCALES[lang])
    bare = _MARKS.sub("", text.replace(symbol, "").replace(CURRENCY, ""))
    try:
        amount = parse_decimal(bare, locale=LOCALES[lang], strict=True) if bare else None
    except NumberFormatError:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValueError(f"not an amount written in {LOCALES[lang]}: {text!r}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"more than two decimals: {text!r}")
    return int(cents)


@cache
def page_rules(lang: Lang) -> dict[str, Any]:
    """What the page needs to write money as :func:`money` does: CLDR's group and decimal
    symbols, group sizes, and the text around the digits of a positive and a negative
    amount (currency symbol and bidi marks included), read from Babel's own output."""
    locale = LOCALES[lang]
    pattern = Locale.parse(locale).currency_formats["standard"]
    return {
        "locale": locale,
        "group": get_group_symbol(locale),
        "decimal": get_decimal_symbol(locale),
        "grouping": list(pattern.grouping),
        "positive": _around(format_currency(Decimal("1"), CURRENCY, locale=locale)),
        "negative": _around(format_currency(Decimal("-1"), CURRENCY, locale=locale)),
    }


def _around(formatted: str) -> list[str]:
    """[text before, text after] the digits ``1,00`` of a formatted one."""
    match = re.search(r"1\D00", formatted)
    assert match is not None, formatted
    return [formatted[: match.start()], formatted[match.end():]]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]],
          numeric: Collection[int] = ()) -> str:
    """Columns padded to their widest cell; the ``numeric`` columns aligned right."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [c.rjust(w) if i in numeric else c.ljust(w)
                  for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(padded).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
