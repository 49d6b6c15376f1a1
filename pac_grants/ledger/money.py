"""Money as the ledger prints it: decimal strings with two decimals (interfaces.md).

Amounts are integer centimes inside (ledger.md "Transactions"); they are formatted with
integer arithmetic only, never through a float.
"""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"^(-?)(\d+)\.(\d{2})$")


def fmt(centimes: int) -> str:
    """``450000000`` -> ``"4500000.00"``; ``-5`` -> ``"-0.05"``."""
    sign = "-" if centimes < 0 else ""
    whole, cents = divmod(abs(centimes), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse(text: str) -> int:
    """The inverse of :func:`fmt` (used to read an export back)."""
    match = _DECIMAL.match(text)
    if match is None:
        raise ValueError(f"not a money amount with two decimals: {text!r}")
    sign, whole, cents = match.groups()
    value = int(whole) * 100 + int(cents)
    return -value if sign else value
