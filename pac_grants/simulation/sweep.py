"""``--vary PATH=START:STOP:STEP``: one parameter of a ruleset swept over a range of values.

The path is dotted into the ruleset's YAML, list items addressed by their id
(``windows.standard.equal_share``, ``windows.standard.indicators.A1.max_points``;
README.md "Simulation before a cycle"). STOP is included. Every value is written into a copy of
the document and validated like any ruleset before anything is computed, so a value out
of its range stops the sweep with the validation's own reason and nothing half done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pac_grants.rules.ruleset import Ruleset, RulesetError
from pac_grants.simulation.documents import Document, PathError

MAX_VALUES = 1000
_SPEC = re.compile(r"(?P<path>[^=]+)=(?P<start>[^:]+):(?P<stop>[^:]+):(?P<step>[^:]+)")


class SweepError(ValueError):
    """A ``--vary`` that cannot run: bad syntax, unknown path, value out of range."""


@dataclass(frozen=True)
class Sweep:
    path: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True)
class Point:
    """One value of a sweep and the variant it gives."""

    value: Decimal
    ruleset: Ruleset


def parse_sweep(spec: str) -> Sweep:
    """``windows.standard.equal_share=0.10:0.40:0.05`` -> the path and 0.10, 0.15 ... 0.40."""
    match = _SPEC.fullmatch(spec.strip())
    if match is None:
        raise SweepError(f"--vary {spec!r}: expected PATH=START:STOP:STEP, e.g. "
                         "windows.standard.equal_share=0.10:0.40:0.05")
    start, stop, step = (_number(match[part], part, spec) for part in ("start", "stop", "step"))
    if step <= 0 or stop < start:
        raise SweepError(f"--vary {spec!r}: need STEP > 0 and STOP >= START")
    count = int((stop - start) / step) + 1
    if count > MAX_VALUES:
        raise SweepError(f"--vary {spec!r}: {count} values, at most {MAX_VALUES}")
    return Sweep(match["path"].strip(), tuple(start + n * step for n in range(count)))


def _number(text: str, part: str, spec: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise SweepError(f"--vary {spec!r}: {part} {text!r} is not a decimal number")
    return number


def points(document: Document, sweep: Sweep) -> list[Point]:
    """The validated variant of every value; the first problem raises :class:`SweepError`."""
    try:
        current = document.value_at(sweep.path)
    except PathError as exc:
        raise SweepError(f"--vary {sweep.path}: {exc} in {document.name}") from None
    found = []
    for value in sweep.values:
        edited = document.with_value(sweep.path, typed(value, current))
        try:
            found.append(Point(value, edited.ruleset()))
        except RulesetError as exc:
            raise SweepError(f"--vary {sweep.path}={value}: {exc}") from None
    return found


def typed(value: Decimal, current: object) -> int | str:
    """As the YAML would spell it: a whole number where one stands (or may stand: null),
    else a decimal string like the sample rulesets' ``'0.20'`` (never a float)."""
    whole = value == value.to_integral_value()
    if whole and (current is None or (isinstance(current, int) and not isinstance(current, bool))):
        return int(value)
    return str(value)
