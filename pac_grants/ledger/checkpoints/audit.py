"""Checking a ledger against checkpoints kept outside it (docs/ledger.md "Checkpoints").

``verify`` proves the chain is internally consistent, which an owner who recomputes every
hash after a change, or who deletes the last transactions, keeps true. A checkpoint
published when the head was ``(seq, hash)`` pins the past: the transaction at ``seq``
must still have that hash (else the chain was **rewritten**: any change before ``seq``
changes every later hash) and the ledger must still reach ``seq`` (else its tail was
**truncated**). With a public key, every checkpoint must carry a valid signature by it
(else it is **forged**: a checkpoint made up to match a rewritten chain).

The first problem is reported, in that order of weight: forged, rewritten, truncated,
miscounted; the line also says how many checkpoints fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from models.ledger import TRANSACTIONS
from pac_grants.ledger.checkpoints.record import Checkpoint
from pac_grants.ledger.checkpoints.signing import Verifier

TX = TRANSACTIONS
CHUNK = 500


@dataclass(frozen=True)
class AuditReport:
    checkpoints: int
    head: int  # the ledger's last sequence
    anchored: int = 0  # the highest sequence a checkpoint anchors
    signed: int = 0  # signatures checked
    violation: str | None = None

    @property
    def ok(self) -> bool:
        return self.violation is None

    def line(self) -> str:
        if not self.ok:
            return f"FAILED: {self.violation}"
        signatures = (f"{self.signed} signatures valid" if self.signed
                      else "signatures not checked (no --public-key)")
        return (f"ok: {self.checkpoints} checkpoints match the chain up to sequence "
                f"{self.anchored} (head {self.head}); {signatures}")


def audit(connection: Connection, checkpoints: Sequence[Checkpoint],
          verifier: Verifier | None = None) -> AuditReport:
    ordered = sorted(checkpoints, key=lambda c: (c.seq, c.at))
    head = _head(connection)
    if not ordered:
        return AuditReport(0, head, violation="no checkpoints to check against: nothing "
                           "anchors the chain (docs/ledger.md \"Checkpoints\")")
    problems = [*_forged(ordered, verifier), *_rewritten(connection, ordered, head),
                *_truncated(ordered, head), *_miscounted(ordered)]
    anchored = max(c.seq for c in ordered)
    signed = len(ordered) if verifier is not None else 0
    if not problems:
        return AuditReport(len(ordered), head, anchored, signed)
    failing = len({id(c) for c, _ in problems})
    why = problems[0][1]
    more = f" ({failing} of {len(ordered)} checkpoints fail)" if failing > 1 else ""
    return AuditReport(len(ordered), head, anchored, signed, f"{why}{more}")


Problem = tuple[Checkpoint, str]


def _forged(checkpoints: Sequence[Checkpoint], verifier: Verifier | None) -> list[Problem]:
    if verifier is None:
        return []
    found = []
    for checkpoint in checkpoints:
        problem = verifier.problem(checkpoint)
        if problem is not None:
            found.append((checkpoint, f"forged checkpoint: {checkpoint.describe()} {problem}"))
    return found


def _rewritten(connection: Connection, checkpoints: Sequence[Checkpoint],
               head: int) -> list[Problem]:
    stored = _hashes(connection, sorted({c.seq for c in checkpoints if 0 < c.seq <= head}))
    found = []
    for checkpoint in checkpoints:
        actual = stored.get(checkpoint.seq)
        if checkpoint.seq <= head and actual != checkpoint.hash:
            now = f"has hash {actual}" if actual else "is missing"
            found.append((checkpoint, f"rewritten chain: the transaction at sequence "
                          f"{checkpoint.seq} {now}, but {checkpoint.describe()} says "
                          f"{checkpoint.hash}"))
    return found


def _truncated(checkpoints: Sequence[Checkpoint], head: int) -> list[Problem]:
    beyond = [c for c in checkpoints if c.seq > head]
    if not beyond:
        return []
    last = beyond[-1]
    why = (f"truncated tail: the ledger ends at sequence {head}, but {last.describe()} "
           f"anchors sequence {last.seq}: {last.seq - head} transactions are missing")
    return [(last, why), *((c, why) for c in beyond[:-1])]


def _miscounted(checkpoints: Sequence[Checkpoint]) -> list[Problem]:
    return [(c, f"{c.describe()} counts {c.count} transactions: the ledger was not "
             "contiguous when it was taken") for c in checkpoints if c.count != c.seq]


def transaction_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(TX)).scalar_one())


def _head(connection: Connection) -> int:
    last = connection.execute(select(TX.c.sequence).order_by(TX.c.sequence.desc())
                              .limit(1)).scalar()
    return 0 if last is None else int(last)


def _hashes(connection: Connection, sequences: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(sequences), CHUNK):
        chunk = sequences[start:start + CHUNK]
        rows = connection.execute(select(TX.c.sequence, TX.c.hash)
                                  .where(TX.c.sequence.in_(chunk)))
        found.update((int(seq), str(digest)) for seq, digest in rows)
    return found
