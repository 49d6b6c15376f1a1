"""Money, once: integer centimes inside, decimal text at the edges (docs/ledger.md).

Every amount the calculator keeps is an ``int`` of centimes (1 MAD = 100 centimes); the
rules allocate whole dirhams, which become centimes with :func:`centimes`. Machine text
(JSON, plain CSV, the ledger commands) is a decimal string with two decimals,
``"4500000.00"`` (:func:`text`, read back by :func:`parse`). Nothing here goes through a
float.
"""

from __future__ import annotations

import re

CENTIMES = 100  # centimes in one dirham
_TEXT = re.compile(r"^(-?)([0-9]+)\.([0-9]{2})$")


def centimes(mad: int) -> int:
    """Whole dirhams (the rules' amounts) as centimes."""
    return mad * CENTIMES


def text(amount: int) -> str:
    """``450000000`` centimes -> ``"4500000.00"``; ``-5`` -> ``"-0.05"``."""
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), CENTIMES)
    return f"{sign}{whole}.{cents:02d}"


def mad_text(mad: int) -> str:
    """Whole dirhams as machine text: ``4500000`` -> ``"4500000.00"``."""
    return text(centimes(mad))


def parse(value: str) -> int:
    """The inverse of :func:`text`: ``"-0.05"`` -> ``-5`` (exactly two decimals)."""
    match = _TEXT.match(value)
    if match is None:
        raise ValueError(f"not a money amount with two decimals: {value!r}")
    sign, whole, cents = match.groups()
    amount = int(whole) * CENTIMES + int(cents)
    return -amount if sign else amount
