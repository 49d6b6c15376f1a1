"""One :class:`~pac_grants.rules.book.CycleBook` per cycle, kept across batches.

Recomputing a cycle from its stored inputs re-read and re-parsed every commune and
assessment and re-scored them all (1.0-1.4 s of CPU per round of six cycles). A worker
keeps instead one book per cycle whose inputs count (not approved) and brings it up to
date before each use by comparing it with the stored state, as the caller's transaction
sees it:

- the pools (the cycle's row);
- the communes, from the registry's snapshot (streams/registry.py); a snapshot is
  immutable, so the same one twice means nothing to compare;
- the assessment that counts per commune, from one query without payloads
  (``StateView.counting``: revision, event id and digest per row); only the revisions
  that differ from the book's are read and parsed (``models.stored``), and each changes
  one entry in O(1) (rules/book.py).

So the book always equals what ``readside.cycle_inputs`` would read at that moment,
whichever worker wrote it, and a rolled-back transaction leaves nothing behind that the
next comparison would not undo. The results are ``compute_cycle``'s exactly
(tests/unit/test_book.py; tests/unit/test_books_pipeline.py through the handler).

The batch thread (notifications, approvals) and the provisional thread share the books:
one lock, held while a book is brought up to date and read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from models.stored import stored_assessment
from pac_grants.ledger import CycleRow, StateView
from pac_grants.readside import ruleset_of
from pac_grants.rules.book import CycleBook
from pac_grants.rules.types import Assessment, Commune

Ident = tuple[int, str, str]  # revision, event id, content digest


@dataclass
class _Kept:
    book: CycleBook
    idents: dict[str, Ident] = field(default_factory=dict)  # code -> counting revision
    communes: Mapping[str, Commune] | None = None  # the mapping last compared


class Shelf:
    """The books of one worker process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[int, _Kept] = {}
        self.parsed = 0  # assessments parsed so far (tests, benchmarks)

    @contextmanager
    def book(self, state: StateView, row: CycleRow, communes: Mapping[str, Commune]
             ) -> Iterator[CycleBook]:
        """The cycle's book as ``state`` sees it (``row``: the cycle as read there;
        ``communes``: every registered commune). Held alone while in use."""
        if row.approved:
            raise ValueError(f"cycle {row.cycle} is approved: its inputs are frozen")
        with self._lock:
            yield self._synced(state, row, communes)

    def forget(self, number: int | None = None) -> None:
        with self._lock:
            if number is None:
                self._kept.clear()
            else:
                self._kept.pop(number, None)

    def _synced(self, state: StateView, row: CycleRow,
                communes: Mapping[str, Commune]) -> CycleBook:
        ruleset = ruleset_of(row)
        kept = self._kept.get(row.cycle)
        targets = _counting(state, row.cycle)
        if kept is None or kept.book.ruleset is not ruleset \
                or len(kept.book.communes) > len(communes):
            assessments = self._parse(state, row.cycle, targets)
            book = CycleBook(ruleset, row.effective_pools, communes.values(), assessments)
            kept = self._kept[row.cycle] = _Kept(book, {c: t for c, t in targets.items()},
                                                 communes)
            return book
        book = kept.book
        for window, pool in row.effective_pools.items():
            book.set_pool(window, pool)
        if communes is not kept.communes:
            for code, commune in communes.items():
                old = book.communes.get(code)
                if old is not commune and old != commune:
                    book.set_commune(commune)
            kept.communes = communes
        changed = {code: ident for code, ident in targets.items()
                   if kept.idents.get(code) != ident}
        for code, assessment in self._parse(state, row.cycle, changed).items():
            book.set_assessment(code, assessment)
        for code in [code for code in kept.idents if code not in targets]:
            book.set_assessment(code, None)
        kept.idents = targets
        return book

    def _parse(self, state: StateView, number: int, wanted: dict[str, Ident]
               ) -> dict[str, Assessment]:
        if not wanted:
            return {}
        payloads = state.payloads(number, [(code, ident[0]) for code, ident in wanted.items()])
        self.parsed += len(wanted)
        return {code: stored_assessment(payloads[(code, ident[0])])
                for code, ident in wanted.items()}


def _counting(state: StateView, number: int) -> dict[str, Ident]:
    """The revision that counts per commune, as ``readside.cycle_inputs`` picks it: the
    highest counted one, unless the commune has held ones (then the highest held)."""
    counted: dict[str, Ident] = {}
    held: dict[str, Ident] = {}
    for code, revision, event_id, digest, status in state.counting(number):
        (held if status == "held" else counted)[code] = (revision, event_id, digest)
    return counted | held
