"""Variant rulesets kept in the ledger's database, and how a variant is referred to.

``pac-grants rulesets add FILE`` validates a ruleset and stores it under its digest;
the API and ``simulate`` then name it. A name is resolved so (README, "Simulation"):

- ``sha256:<hex>``, the full digest or its first 12 or more hex digits: that ruleset;
- otherwise a ruleset id: the packaged ruleset of that id, or the one stored ruleset of
  that id. Two stored versions of one id make the id ambiguous: name one by its digest.

A stored ruleset may not take a packaged ruleset's id with other content (``papc-2023``
always means the packaged rules of 2023). The rows come from and go to the ledger's
``rulesets`` repository (a reader's, a unit of work's); this module only decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pac_grants.ledger import StoredRuleset
from pac_grants.rules.ruleset import Ruleset, RulesetError, packaged_ids, packaged_ruleset_by_id
from pac_grants.simulation.documents import Document, packaged_document, parse_document

MIN_PREFIX = 12


class UnknownRuleset(RulesetError):
    """A name that refers to no packaged or stored ruleset."""


@dataclass(frozen=True)
class Entry:
    """A ruleset one can simulate: packaged with the calculator, or stored."""

    ruleset_id: str
    version: int
    cycle: int
    digest: str
    origin: str  # "packaged" | "stored"
    source: str | None = None  # the file a stored one was added from
    added_at: datetime | None = None
    content: str | None = None

    def document(self) -> Document:
        if self.content is None:
            return packaged_document(self.ruleset_id)
        return parse_document(self.content, f"stored ruleset {self.ruleset_id} "
                                            f"({self.digest[:7 + MIN_PREFIX]})")


def packaged() -> list[Entry]:
    found = []
    for ruleset_id in sorted(packaged_ids()):
        r = packaged_ruleset_by_id(ruleset_id)
        found.append(Entry(r.id, r.version, r.cycle, r.digest, "packaged"))
    return found


class StoredView(Protocol):
    """A reader's ``rulesets`` (or a unit of work's, which can also ``add``)."""

    def all(self) -> Sequence[StoredRuleset]: ...


class StoredRepository(StoredView, Protocol):
    def add(self, row: StoredRuleset) -> None: ...


def stored(view: StoredView) -> list[Entry]:
    return [_entry(row) for row in view.all()]


def _entry(row: StoredRuleset) -> Entry:
    return Entry(row.ruleset_id, row.version, row.cycle, row.digest, "stored", row.source,
                 row.added_at, row.content)


def catalogue(view: StoredView | None) -> list[Entry]:
    """Packaged and (with a view) stored rulesets: what a name can refer to."""
    return [*packaged(), *(stored(view) if view is not None else [])]


def add(rulesets: StoredRepository, document: Document, source: str) -> tuple[Entry, bool]:
    """Validate and store; (the entry, True) when new, (the existing one, False) when its
    digest is already known."""
    ruleset = document.ruleset()
    known = {e.digest: e for e in catalogue(rulesets)}
    if ruleset.digest in known:
        return known[ruleset.digest], False
    if ruleset.id in packaged_ids():
        raise RulesetError(f"{document.name}: id {ruleset.id!r} is a packaged ruleset's and "
                           "this content differs: give the variant its own id")
    row = StoredRuleset(ruleset.digest, ruleset.id, ruleset.version, ruleset.cycle, source,
                        document.text, datetime.now(UTC))
    rulesets.add(row)
    return _entry(row), True


def resolve(name: str, entries: Sequence[Entry]) -> Entry:
    """The entry ``name`` refers to (see the module docstring); :class:`RulesetError`."""
    if name.startswith("sha256:"):
        hexdigits = name.removeprefix("sha256:").lower()
        if len(hexdigits) < MIN_PREFIX:
            raise RulesetError(f"{name}: give at least {MIN_PREFIX} hex digits of the digest")
        found = {e.digest: e for e in entries if e.digest.startswith("sha256:" + hexdigits)}
    else:
        found = {e.digest: e for e in entries if e.ruleset_id == name}
    if len(found) == 1:
        return next(iter(found.values()))
    if found:
        digests = ", ".join(reference_digest(d) for d in sorted(found))
        raise RulesetError(f"{name!r} names {len(found)} stored rulesets: refer to one by "
                           f"its digest ({digests})")
    known = ", ".join(sorted({reference(e, entries) for e in entries}))
    raise UnknownRuleset(f"no ruleset {name!r} (known: {known})")


def reference(entry: Entry, entries: Sequence[Entry]) -> str:
    """How to refer to ``entry``: its id when no other ruleset has it, else its digest."""
    same = {e.digest for e in entries if e.ruleset_id == entry.ruleset_id}
    return entry.ruleset_id if len(same) == 1 else reference_digest(entry.digest)


def listing(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    """``rulesets list``'s rows: each entry with the name to refer to it by."""
    return [{"id": e.ruleset_id, "version": e.version, "cycle": e.cycle, "digest": e.digest,
             "origin": e.origin, "reference": reference(e, entries), "source": e.source,
             "added_at": e.added_at.isoformat() if e.added_at else None} for e in entries]


def reference_digest(digest: str) -> str:
    return digest[:len("sha256:") + MIN_PREFIX]


def load(entry: Entry) -> tuple[Document, Ruleset]:
    document = entry.document()
    return document, document.ruleset()
