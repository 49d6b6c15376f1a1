"""The allocation table as the page shows it: the same filters, the same order, the
same columns, in French or Arabic (issue 12: exports "as shown").

The page (static/app.js ``visible`` and ``compare``) and :func:`shown` apply the same
rules, so that the spreadsheet a user downloads has the rows of their screen in their
order: a window, an eligibility, a search (case- and accent-insensitive, over code,
names and region) and a sort key with its direction, ties by code. Text is compared by
:func:`fold` (NFD without combining marks, lower case), in code-point order.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from pac_grants import money
from pac_grants.i18n import Lang, reasons, text

SORT_KEYS = ("code", "name_fr", "name_ar", "region", "window", "score", "reasons", "capped",
             "amount", "ledger_allocated", "paid", "outstanding")
MONEY_KEYS = ("amount", "ledger_allocated", "paid", "outstanding")
SortKey = Literal["code", "name_fr", "name_ar", "region", "window", "score", "reasons",
                  "capped", "amount", "ledger_allocated", "paid", "outstanding"]


@dataclass(frozen=True)
class View:
    """What the user chose on the page."""

    window: str | None = None
    eligibility: Literal["yes", "no"] | None = None
    q: str | None = None
    sort: SortKey = "amount"
    desc: bool = True
    lang: Lang = "fr"


def fold(value: object) -> str:
    """Text as compared and searched: accents and case ignored."""
    decomposed = unicodedata.normalize("NFD", "" if value is None else str(value))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def rows(allocation: dict[str, Any]) -> list[dict[str, Any]]:
    """Every commune of every window, with its window."""
    return [r | {"window": w["window"]} for w in allocation["windows"] for r in w["communes"]]


def shown(allocation: dict[str, Any], view: View) -> list[dict[str, Any]]:
    """The rows the page shows for ``view``, in its order."""
    needle = fold(view.q.strip()) if view.q else ""
    kept = [r for r in rows(allocation)
            if (not view.window or r["window"] == view.window)
            and (view.eligibility is None or (view.eligibility == "yes") == r["eligible"])
            and (not needle or any(needle in fold(r[k])
                                   for k in ("code", "name_fr", "name_ar", "region")))]
    kept.sort(key=lambda r: r["code"])
    kept.sort(key=lambda r: _key(r, view.sort), reverse=view.desc)
    return kept


def _key(row: dict[str, Any], key: str) -> Any:
    value = row[key]
    if key in MONEY_KEYS:
        return money.parse(value)
    if key == "score":
        return -1 if value is None else value
    if key == "reasons":
        return " ".join(value)
    if key == "capped":
        return bool(value)
    return fold(value)


COLUMNS = ("code", "name_fr", "name_ar", "region", "window", "score", "eligibility", "cap",
           "amount", "ledger_allocated", "paid", "outstanding")


def headers(lang: Lang) -> list[str]:
    return [text(lang, f"col.{c}") for c in COLUMNS]


def cells(row: dict[str, Any], lang: Lang) -> list[Any]:
    """One row as the page shows it; money as centimes (the writer decides the form)."""
    standing = text(lang, "eligible") if row["eligible"] else reasons(lang, row["reasons"])
    if row["failed_conditions"]:
        standing += f" ({', '.join(row['failed_conditions'])})"
    return [row["code"], row["name_fr"], row["name_ar"], row["region"], row["window"],
            row["score"], standing, text(lang, "capped") if row["capped"] else "",
            *(money.parse(row[k]) for k in MONEY_KEYS)]
