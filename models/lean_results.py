"""The published allocation (``pac.allocations.v1``) straight from a ``CycleBook``.

``models.results.published_json(cycle_result(book), status)`` gives the same JSON, but
builds a ``CommuneResult`` and a ``Share`` per commune first; a provisional result after
one revision needs only the amounts and the entries, which the book already has.
tests/unit/test_lean_results.py checks that both are equal.
"""

from __future__ import annotations

from typing import Any

from pac_grants.rules.book import CycleBook
from pac_grants.rules.book_result import listed


def window_json(book: CycleBook, window_id: str) -> dict[str, Any]:
    """``models.results.window_json`` of the book's window."""
    window = book.windows[window_id]
    filled = window.allocation()
    amounts = dict(zip(filled.codes, filled.amounts, strict=True))
    amounts.update((code, fixed[0]) for code, fixed in filled.fixed.items())
    communes = []
    for code in listed(book, window):
        entry = book.entries[code]
        communes.append({"code": code, "eligible": not entry.reasons,
                         "reasons": list(entry.reasons),
                         "failed_conditions": list(entry.failed), "score": entry.score,
                         "capped": code in filled.fixed, "amount": amounts.get(code, 0)})
    return {"window": window_id, "pool": window.pool,
            "allocated": window.pool - filled.unallocated, "unallocated": filled.unallocated,
            "communes": communes}


def published_json(book: CycleBook, status: str) -> dict[str, Any]:
    """``models.results.published_json(cycle_result(book), status)``."""
    ruleset = book.ruleset
    held = [{"commune_code": a.commune_code, "event_id": a.event_id, "revision": a.revision}
            for code, a in sorted(book.assessments.items()) if code not in book.communes]
    return {
        "cycle": ruleset.cycle,
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "digest": ruleset.digest},
        "windows": [window_json(book, window_id) for window_id in book.windows],
        "status": status,
        "inputs_digest": book.inputs_digest(),
        "held_assessments": held,
    }
