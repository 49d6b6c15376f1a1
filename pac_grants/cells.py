"""Spreadsheet-safe cells for every CSV the project writes (issue 12, CSV injection).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and
some also after a tab or a carriage return): a commune named ``=HYPERLINK(...)`` would
become a live link in a finance officer's sheet. :func:`safe` puts a ``'`` before such
a text, and before a text that already starts with ``'`` so that the rule can be undone
exactly: drop one leading ``'`` to get the value back. Machine numbers
(``-250000.00``) stay as they are, so amounts stay numbers.
"""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def safe(value: object) -> object:
    """``value`` as a CSV cell that no spreadsheet runs; non-text values unchanged."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(values: dict[str, object]) -> dict[str, object]:
    """Every cell of a ``csv.DictWriter`` row through :func:`safe`."""
    return {key: safe(value) for key, value in values.items()}
