"""The registered communes, kept in memory across batches (docs/pipeline.md "State").

Every batch needs the communes (is this assessment's commune known? in which window?),
and reading all of them from the database each time cost a fixed 12-14 ms per batch at
1,503 communes, growing with the registry. A worker therefore keeps them, parsed once,
and at each use asks the database only for ``max(version)``: each commune written takes
the next version (migration 0006), so rows above the version held are exactly what
other workers (or earlier batches) wrote since, and only those are read.

Versions are handed out by batches that hold the pipeline's state alone (communes
batches: ``BatchLocks(shared=False)``), so they commit in version order and "every row
up to version V" is always a committed state. A :class:`Snapshot` is that state for one
V, never changed once made: threads share it without locks. Only committed rows are
read into it (a batch reads its snapshot before writing; its own writes stay in its
:class:`~streams.cache.BatchState` until commit), so a rolled-back batch leaves nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from models.stored import stored_commune
from pac_grants.ledger import StateView, StoredCommune
from pac_grants.rules.types import Commune


@dataclass(frozen=True)
class Snapshot:
    """The communes as committed up to ``version`` (-1: none registered): each one's
    content digest (is a registration new?) and domain value (the payloads stay in the
    database: at 150,300 communes they would be about 75 MB per process)."""

    version: int = -1
    digests: Mapping[str, str] = field(default_factory=dict)
    parsed: Mapping[str, Commune] = field(default_factory=dict)


class Registry:
    """One per worker process: the latest :class:`Snapshot` read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self.reads = 0  # rows read from the database so far (tests, benchmarks)

    def current(self, state: StateView) -> Snapshot:
        """The communes as ``state`` sees them: one indexed ``max(version)``, and the
        rows above the version held, if any."""
        top = state.communes_version()
        with self._lock:
            held = self._snapshot
            if held is not None and held.version == top:
                return held
            # Below what is held: this reader's view is older than another thread's
            # (or the database was replaced): read it whole. Above: only what is new.
            base = held if held is not None and held.version < top else Snapshot()
            rows = state.communes_since(base.version)
            self.reads += len(rows)
            snapshot = _updated(base, rows, top)
            if held is None or snapshot.version >= held.version:
                self._snapshot = snapshot
            return snapshot

    def forget(self) -> None:
        """Read everything again at the next use (after a failed batch, to be safe)."""
        with self._lock:
            self._snapshot = None


def _updated(base: Snapshot, rows: list[tuple[StoredCommune, int]], top: int) -> Snapshot:
    """A new snapshot: ``base`` with ``rows`` (a commune's parse is reused while its
    content digest is the same)."""
    digests, parsed = dict(base.digests), dict(base.parsed)
    for row, _version in sorted(rows, key=lambda item: item[1]):
        if digests.get(row.code) != row.digest or row.code not in parsed:
            parsed[row.code] = stored_commune(row.payload)
        digests[row.code] = row.digest
    return Snapshot(top, digests, parsed)
