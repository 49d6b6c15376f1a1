"""A :class:`~pac_grants.rules.book.CycleBook` as the ``CycleResult`` of ``compute_cycle``.

The explanation (``explain``), ``pac-grants allocate`` and the ledger's settlement read a
``CycleResult``; this builds the very same one (equal field by field) from a book's
entries and allocations, without rescoring: standings are the entries', made once.
``published_window`` (models.lean_results) skips even that for the published JSON.
"""

from __future__ import annotations

from fractions import Fraction

from pac_grants.rules.allocation import Share
from pac_grants.rules.book import CycleBook, WindowBook
from pac_grants.rules.engine import CommuneResult, CycleResult, WindowResult
from pac_grants.rules.scoring import AssessmentInvalid
from pac_grants.rules.types import Assessment
from pac_grants.rules.waterfill import Filled


def cycle_result(book: CycleBook) -> CycleResult:
    """``compute_cycle(book.ruleset, communes, assessments, pools)``, from the book."""
    windows = tuple(window_result(book, wid) for wid in book.windows)
    held = tuple(a for code, a in sorted(book.assessments.items())
                 if code not in book.communes)
    invalid: list[tuple[Assessment, AssessmentInvalid]] = []
    for code in sorted(book.entries):
        entry = book.entries[code]
        if entry.error is not None and entry.assessment is not None:
            invalid.append((entry.assessment, entry.error))
    return CycleResult(book.ruleset, windows, held, tuple(invalid), book.inputs_digest())


def window_result(book: CycleBook, window_id: str) -> WindowResult:
    """One window as ``compute_cycle`` lists it: every member, plus every commune that
    has no window (they are listed in each), in code order, with its share if eligible."""
    window = book.windows[window_id]
    filled = window.allocation()
    shares = shares_of(filled)
    communes = []
    for code in listed(book, window):
        entry = book.entries[code]
        communes.append(CommuneResult(
            entry.commune, entry.window.id if entry.window else None, entry.standing,
            entry.counted, entry.population, entry.cap, shares.get(code)))
    return WindowResult(window.window, window.pool, filled.unallocated, tuple(communes),
                        filled.rounds)


def listed(book: CycleBook, window: WindowBook) -> list[str]:
    return sorted(window.members | book.unplaced)


def shares_of(filled: Filled) -> dict[str, Share]:
    """``allocate``'s shares: those fixed at their cap, then the free ones."""
    shares = {code: Share(code, cap, Fraction(numerator, denominator), True, False, round_)
              for code, (cap, numerator, denominator, round_) in filled.fixed.items()}
    for position, code in enumerate(filled.codes):
        shares[code] = Share(code, filled.amounts[position], filled.ideal(position), False,
                             position in filled.bumped, None)
    return shares
