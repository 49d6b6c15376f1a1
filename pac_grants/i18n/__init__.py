"""The labels of the page and the command line, in French and Arabic (issue 12).

One dictionary per language (``fr.json``, ``ar.json`` beside this file, the same keys in
both), used by the command line's tables (:func:`text`) and by the pages, which receive
both catalogs embedded in their HTML. French is the default; Arabic is written right to
left (:func:`direction`). Reasons, transaction kinds and indicator areas are labelled
here by their code (``reason.failed_conditions``); conditions and indicators by the
ruleset's own ``label_fr`` / ``label_ar`` (:func:`rule_label`).
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from typing import Any, Literal

Lang = Literal["fr", "ar"]
LANGS: tuple[Lang, ...] = ("fr", "ar")
DEFAULT: Lang = "fr"


@cache
def catalog(lang: Lang) -> dict[str, str]:
    """Every label of ``lang``, by key."""
    raw = resources.files(__package__).joinpath(f"{lang}.json").read_text(encoding="utf-8")
    labels: dict[str, str] = json.loads(raw)
    return labels


def text(lang: Lang, key: str, **values: object) -> str:
    """The label ``key`` in ``lang``, with ``{name}`` placeholders filled; an unknown key
    is shown as itself (a new reason code still reads as its code, never an error)."""
    label = catalog(lang).get(key, key.rsplit(".", 1)[-1])
    return label.format(**values) if values else label


def direction(lang: Lang) -> Literal["ltr", "rtl"]:
    return "rtl" if lang == "ar" else "ltr"


def choose(value: str | None) -> Lang:
    """``value`` if it is a language of the catalogs, else ``PAC_LANG``, else French."""
    for candidate in (value, os.environ.get("PAC_LANG")):
        if candidate in LANGS:
            return candidate
    return DEFAULT


def reasons(lang: Lang, codes: list[str] | tuple[str, ...]) -> str:
    """Reasons in words, joined: ``conditions minimales non remplies ; ...``."""
    return (" ; " if lang == "fr" else "؛ ").join(text(lang, f"reason.{c}") for c in codes)


def rule_label(lang: Lang, item: dict[str, Any] | Any) -> str:
    """A condition's or indicator's label in ``lang`` (the other language, then its id,
    when the ruleset has none)."""
    get = item.get if isinstance(item, dict) else lambda k: getattr(item, k, None)
    first, second = ("label_ar", "label_fr") if lang == "ar" else ("label_fr", "label_ar")
    return str(get(first) or get(second) or get("id"))


def pages() -> dict[str, dict[str, str]]:
    """Both catalogs, as the pages embed them."""
    return {lang: catalog(lang) for lang in LANGS}
