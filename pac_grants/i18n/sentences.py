"""Sentences built from the catalogs: why a commune got its amount (docs/rules.md s7), in
French or Arabic, for the command line (the page builds the same from the same keys)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pac_grants import display
from pac_grants.i18n import Lang, reasons, text


def centimes_of(decimal_text: str) -> int:
    """A decimal string of MAD (``"1234.567891"``) to centimes, rounded half to even."""
    return int((Decimal(decimal_text) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def summary(lang: Lang, data: dict[str, Any], amount: int) -> str:
    """The one sentence of an explanation; ``amount`` in centimes."""
    formula = data["formula"]
    shown = display.money(amount, lang)
    if not data["eligible"]:
        ids = ", ".join(data["failed_conditions"])
        failed = text(lang, "summary.failed", ids=ids) if ids else ""
        return text(lang, "summary.not_eligible", reasons=reasons(lang, data["reasons"]),
                    failed=failed, amount=shown)
    ideal = display.money(centimes_of(formula["ideal_amount"]), lang)
    if formula["capped"]:
        return text(lang, "summary.capped", score=data["score"], ideal=ideal,
                    round=formula["cap_round"], amount=shown)
    bump = text(lang, "summary.bump") if formula["rounded_up"] else ""
    return text(lang, "summary.share", score=data["score"], ideal=ideal, bump=bump,
                amount=shown)
