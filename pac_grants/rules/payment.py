"""How an approved grant is paid (docs/rules.md s8): tranches, unallocated money,
recovery; and the exact divisions money needs (tranches, pro-rata shares).

Pure: the ruleset's optional ``payment`` key, validated like the rest of a ruleset, and
two integer functions that split an amount of centimes so that the parts sum to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pac_grants.rules.parse import Where, decimal_of, integer_of, keys_of

DEFAULT_DUE_DAYS = 30  # one tranche of the whole grant, due 30 days after approval
INCREASE_DUE_DAYS = 30  # an increase at a re-approval is ordered due 30 days after


@dataclass(frozen=True)
class Tranche:
    share: Fraction
    due_days: int


@dataclass(frozen=True)
class Payment:
    tranches: tuple[Tranche, ...] = (Tranche(Fraction(1), DEFAULT_DUE_DAYS),)
    unallocated: Literal["return", "carry_over"] = "return"
    recovery: Literal["refund_only", "offset_next_cycle"] = "refund_only"


def parse_payment(value: object, at: Where) -> Payment:
    """The ``payment`` key: tranches with shares > 0 summing to exactly 1, due_days >= 0."""
    if value is None:
        return Payment()
    keys_of(value, at, required=set(), optional={"tranches", "unallocated", "recovery"})
    assert isinstance(value, dict)
    unallocated = value.get("unallocated", "return")
    if unallocated not in ("return", "carry_over"):
        raise at.error("unallocated", f"must be 'return' or 'carry_over', not {unallocated!r}")
    recovery = value.get("recovery", "refund_only")
    if recovery not in ("refund_only", "offset_next_cycle"):
        raise at.error("recovery", "must be 'refund_only' or 'offset_next_cycle', not "
                       f"{recovery!r}")
    tranches = _tranches(value.get("tranches"), at / "tranches")
    return Payment(tranches, unallocated, recovery)


def _tranches(value: object, at: Where) -> tuple[Tranche, ...]:
    if value is None:
        return Payment().tranches
    if not isinstance(value, list) or not value:
        raise at.error(None, "must be a non-empty list of {share, due_days}")
    tranches = []
    for n, item in enumerate(value):
        keys_of(item, at / str(n), required={"share", "due_days"}, optional=set())
        assert isinstance(item, dict)
        share = Fraction(decimal_of(item["share"], at / str(n) / "share"))
        if share <= 0:
            raise at.error(f"{n}.share", f"must be > 0, not {share}")
        due = integer_of(item["due_days"], at / str(n) / "due_days")
        if due < 0:
            raise at.error(f"{n}.due_days", f"must be >= 0, not {due}")
        tranches.append(Tranche(share, due))
    total = sum(t.share for t in tranches)
    if total != 1:
        raise at.error(None, f"the shares sum to {float(total):g}, not exactly 1")
    return tuple(tranches)


def split_tranches(amount: int, tranches: Sequence[Tranche]) -> list[int]:
    """Centimes per tranche: floor(amount x share) for all but the last, which takes the
    rest, so that the parts sum to ``amount`` exactly (docs/rules.md s8.1)."""
    parts = [amount * t.share.numerator // t.share.denominator for t in tranches[:-1]]
    return [*parts, amount - sum(parts)]


def pro_rata(amount: int, weights: Sequence[tuple[str, int]]) -> dict[str, int]:
    """``amount`` (centimes) shared in proportion to ``weights``, largest remainder to the
    centime, ties by name (docs/rules.md s8.4); the shares sum to ``amount``."""
    total = sum(w for _name, w in weights)
    if total <= 0:
        return {name: 0 for name, _w in weights}
    floors = {name: amount * w // total for name, w in weights}
    remainders = sorted(((amount * w % total, name) for name, w in weights),
                        key=lambda r: (-r[0], r[1]))
    for _rest, name in remainders[:amount - sum(floors.values())]:
        floors[name] += 1
    return floors
