"""Turning an exception into the one line a person reads (docs/cli.md "Errors").

Every message the calculator prints for a failure is one line: the first non-empty line
of the exception's text, or its class name when it has none (an empty message must not
become an ``IndexError``), cut to :data:`MAX_LINE` characters.
"""

from __future__ import annotations

MAX_LINE = 300  # characters of a one-line error


def first_line(exc: BaseException | str) -> str:
    """``"refused\\n  at ..."`` -> ``"refused"``; an empty message -> the class name."""
    text = exc if isinstance(exc, str) else str(exc)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if lines:
        return lines[0].strip()[:MAX_LINE]
    return "" if isinstance(exc, str) else type(exc).__name__
