"""A cycle's allocation kept up to date change by change (docs/rules.md s3-4, incrementally).

``compute_cycle`` recomputes everything from the inputs; a :class:`CycleBook` keeps, per
commune, what the inputs make of it (window, eligibility, score, weight p_i x s_i and
cap: an :class:`Entry`) and, per window, the eligible communes in code order with their
total weight. A revision, a commune's new population or participation, or a new pool
changes one entry and its window's totals in O(1) (a commune that becomes eligible is
put in order by bisection). The water-filling and rounding, which depend on every
eligible commune, run when a window's result is asked for, in lean integer form
(``waterfill``), and are kept until the next change of that window.

The results are ``compute_cycle``'s exactly (tests/unit/test_book.py: any sequence of
changes); ``pac_grants.rules.book_result`` turns a book into the same ``CycleResult``.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping

from pac_grants.rules.engine import PoolError, _check_pools, _cyclic_gc_paused
from pac_grants.rules.entry import Entry, entry_of
from pac_grants.rules.inputs_text import InputsText
from pac_grants.rules.plan import plan_of
from pac_grants.rules.ruleset import Ruleset, Window
from pac_grants.rules.types import Assessment, Commune
from pac_grants.rules.waterfill import Filled, water_fill


class WindowBook:
    """The eligible communes of one window, in code order, with their total weight."""

    def __init__(self, window: Window, pool: int) -> None:
        self.window = window
        self.pool = pool
        self.members: set[str] = set()  # every commune whose population is in the window
        self.eligible: dict[str, tuple[int, int | None]] = {}  # code -> weight, cap
        self.order: list[str] = []  # the eligible codes, sorted
        self.capped: dict[str, tuple[int, int]] = {}  # eligible with a cap: weight, cap
        self.total = 0
        self.filled: Filled | None = None  # the last allocation, until a change

    def add(self, code: str, entry: Entry, bulk: bool = False) -> None:
        self.members.add(code)
        if entry.reasons:
            return
        self.eligible[code] = (entry.weight, entry.cap)
        if entry.cap is not None:
            self.capped[code] = (entry.weight, entry.cap)
        self.total += entry.weight
        if bulk:
            self.order.append(code)
        else:
            insort(self.order, code)
        self.filled = None

    def remove(self, code: str, entry: Entry) -> None:
        self.members.discard(code)
        if code not in self.eligible:
            return
        del self.eligible[code]
        self.capped.pop(code, None)
        self.total -= entry.weight
        del self.order[bisect_left(self.order, code)]
        self.filled = None

    def allocation(self) -> Filled:
        if self.filled is None:
            weights = [self.eligible[code][0] for code in self.order]
            self.filled = water_fill(self.pool, self.window.equal_share, self.order, weights,
                                     self.total, self.capped,
                                     same_cap=self.window.cap_budget_ratio is None)
        return self.filled


class CycleBook:
    """Communes, counting assessments and pools of one cycle, and what they make."""

    def __init__(self, ruleset: Ruleset, pools: Mapping[str, int],
                 communes: Iterable[Commune] = (),
                 assessments: Mapping[str, Assessment] | None = None) -> None:
        _check_pools(ruleset, pools)
        self.ruleset = ruleset
        self.plan = plan_of(ruleset)
        self.windows = {w.id: WindowBook(w, pools[w.id]) for w in ruleset.windows}
        self.communes: dict[str, Commune] = {c.code: c for c in communes}
        self.assessments: dict[str, Assessment] = dict(assessments or {})
        self.entries: dict[str, Entry] = {}
        self.unplaced: set[str] = set()  # no window: listed in every window (s3)
        self._text: InputsText | None = None  # written at the first inputs_digest()
        with _cyclic_gc_paused():  # as compute_cycle: no cycles made, no passes needed
            for code in sorted(self.communes):
                self._put(code, bulk=True)

    @property
    def pools(self) -> dict[str, int]:
        return {wid: book.pool for wid, book in self.windows.items()}

    def inputs_digest(self) -> str:
        """``engine.inputs_digest`` of the book's inputs (each input written once)."""
        with _cyclic_gc_paused():
            if self._text is None:
                self._text = InputsText(self.ruleset.population_census, self.communes,
                                        self.assessments)
            return self._text.digest(self.ruleset, self.pools)

    def set_commune(self, commune: Commune) -> None:
        """A commune registered or changed (population, participation: reference data)."""
        new = commune.code not in self.communes
        self.communes[commune.code] = commune
        if self._text is not None:
            self._text.set_commune(commune)
        self._put(commune.code, bulk=False, new=new)

    def set_assessment(self, code: str, assessment: Assessment | None) -> None:
        """The assessment that counts for ``code`` now (None: none counts any more)."""
        if assessment is None:
            self.assessments.pop(code, None)
        else:
            self.assessments[code] = assessment
        if self._text is not None:
            self._text.set_assessment(code, assessment)
        if code in self.communes:
            self._put(code, bulk=False)

    def set_pool(self, window_id: str, pool: int) -> None:
        _check_pools(self.ruleset, self.pools | {window_id: pool})
        book = self.windows[window_id]
        if book.pool != pool:
            book.pool, book.filled = pool, None

    def allocation(self, window_id: str) -> Filled:
        """The window's shares (recomputed only after a change of that window)."""
        with _cyclic_gc_paused():
            return self.windows[window_id].allocation()

    def amounts(self, window_id: str) -> dict[str, int]:
        """Amount per member of the window (0 for those not eligible), as the ledger needs."""
        filled = self.allocation(window_id)
        result = dict.fromkeys(self.windows[window_id].members | self.unplaced, 0)
        result.update(zip(filled.codes, filled.amounts, strict=True))
        result.update((code, fixed[0]) for code, fixed in filled.fixed.items())
        return result

    def _put(self, code: str, bulk: bool, new: bool = False) -> None:
        old = None if bulk or new else self.entries.get(code)
        if old is not None:
            self._leave(code, old)
        entry = entry_of(self.plan, self.communes[code], self.assessments.get(code))
        self.entries[code] = entry
        if entry.window is None:
            self.unplaced.add(code)
        else:
            self.windows[entry.window.id].add(code, entry, bulk)

    def _leave(self, code: str, entry: Entry) -> None:
        if entry.window is None:
            self.unplaced.discard(code)
        else:
            self.windows[entry.window.id].remove(code, entry)


__all__ = ["CycleBook", "PoolError", "WindowBook"]
