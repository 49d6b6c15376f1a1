"""Every word a simulation says about a commune, in one table, to be translated.

A change (:data:`CHANGES`) and a rule's reason (docs/rules.md s3) are codes in the JSON;
the sentence a person reads comes from :data:`WORDS`, one template per code and
language, filled with named values. French and Arabic are added as more columns of the
same table (``WORDS["fr"]``, ``WORDS["ar"]``); a language without a code falls back to
English, so a missing translation shows English words, never a code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: The changes a commune can see between base and variant, in the order they are told.
CHANGES = ("window_changed", "became_eligible", "became_ineligible", "assessment_invalid",
           "score_changed", "now_capped", "no_longer_capped", "cap_changed",
           "formula", "unchanged")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "window_changed": "moves from window {base} to {variant}",
        "became_eligible": "becomes eligible",
        "became_ineligible": "is no longer eligible: {reasons}",
        "assessment_invalid": "its assessment is not valid under the variant ({reason})",
        "score_changed": "score {base} -> {variant}",
        "now_capped": "held at its cap of {cap} MAD",
        "no_longer_capped": "no longer held at its cap",
        "cap_changed": "cap {base} -> {variant} MAD",
        "formula": "{difference} MAD from the formula (equal share, weights or pool)",
        "unchanged": "no change",
        # reasons of docs/rules.md s3
        "not_participating": "not participating",
        "no_window": "no window for its population",
        "no_assessment": "no valid assessment",
        "failed_conditions": "minimum conditions not met ({conditions})",
        "below_min_score": "score {score} below the minimum {min_score}",
        "no_window_name": "no window",
        "separator": "; ",
    },
}


def words(code: str, language: str = "en", **values: object) -> str:
    """The sentence of ``code`` in ``language`` (English when not translated)."""
    table = WORDS.get(language, {})
    template = table.get(code) or WORDS["en"][code]
    return template.format(**{k: _shown(v) for k, v in values.items()})


def _shown(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def joined(parts: Sequence[str], language: str = "en") -> str:
    return words("separator", language).join(parts)


def reasons_in_words(reasons: Sequence[str], values: Mapping[str, object],
                     language: str = "en") -> str:
    """A commune's reasons of not being eligible (docs/rules.md s3), as one phrase."""
    return joined([words(reason, language, **values) for reason in reasons], language)
