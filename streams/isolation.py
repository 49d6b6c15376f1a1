"""Poison isolation: a batch the database refuses is split until the message that fails.

Why: one message whose rows the database refuses (a constraint, a value out of a
column's range, a bug in one handler path) would otherwise fail its whole batch on
every redelivery, and every later event of the topic would wait behind it. So a refused
batch is bisected (docs/pipeline.md "Commit protocol"): each half is handled in its own
transaction, in order; a half that fails again is split again, until one message fails
alone. That message is set aside (a ``storage_rejected`` dead letter and its tracked
offset, in a transaction of their own: streams/deadletters.py) and every other message
is committed exactly once. One poison message among n costs about 2 log2(n)
transactions; a half that commits is never tried again.

Only topics whose messages are independent may lose one this way (docs/events.md s9):
assessments, communes and complaints. A cycle event or a payment changes the state that
later events of its topic are judged on, so skipping it would judge them on the wrong
state: those batches keep stop-and-retry (streams/commit.py).

What is refused, and what is not (:func:`kind_of`): a lost connection or an unavailable
database is retried as before; an error of the schema or the grants (SQLSTATE class 42,
SQLAlchemy's ``ProgrammingError``: an undefined column, a permission denied) is not the
message's fault and would refuse every message alike, so it holds the batch too instead
of dead-lettering the whole stream.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from enum import Enum

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from pac_grants.broker.topics import logical_name
from pac_grants.ledger import DatabaseUnavailable, ExclusiveNeeded
from streams.messages import BatchOutcome, Message

#: Input topics whose messages may be set aside (docs/events.md s9, ``storage_rejected``).
ISOLATABLE = frozenset({"assessments", "communes", "complaints"})

Handle = Callable[[Sequence[Message]], BatchOutcome]
SetAside = Callable[[Message, Exception], BatchOutcome]


class Failure(Enum):
    """What a batch's exception means for the batch."""

    TRANSIENT = "transient"  # the database is away: retry the same batch later
    SYSTEMIC = "systemic"  # the schema or the grants: every message would fail alike
    REFUSED = "refused"  # this batch's data: find the message and set it aside


class RemoteFailure(Exception):
    """A batch's failure in the handler's process (streams/remote.py), as the committer
    judges it: its kind, whether it met another worker's batch, and its one line (the
    ``storage_rejected`` message). Database exceptions do not cross processes whole."""

    def __init__(self, failure: Failure, conflict: bool, line: str) -> None:
        super().__init__(line)
        self.failure, self.conflict, self.line = failure, conflict, line

    def __reduce__(self) -> tuple[type[RemoteFailure], tuple[Failure, bool, str]]:
        return RemoteFailure, (self.failure, self.conflict, self.line)


def kind_of(exc: BaseException) -> Failure:
    if isinstance(exc, RemoteFailure):
        return exc.failure
    if isinstance(exc, OperationalError | DatabaseUnavailable):
        return Failure.TRANSIENT
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return Failure.TRANSIENT
    if isinstance(exc, ProgrammingError):
        return Failure.SYSTEMIC
    return Failure.REFUSED


def conflict(exc: BaseException) -> bool:
    """A batch run beside others that must run alone: it posts, or it inserted a key
    that another transaction inserted too (PostgreSQL SQLSTATE 23505, SQLite UNIQUE)."""
    if isinstance(exc, RemoteFailure):
        return exc.conflict
    if isinstance(exc, ExclusiveNeeded):
        return True
    if not isinstance(exc, IntegrityError):
        return False
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE" in str(exc.orig)


def isolatable(prefix: str, messages: Sequence[Message]) -> bool:
    """True if every message comes from a topic whose messages may be set aside."""
    return bool(messages) and all(logical_name(prefix, m.topic) in ISOLATABLE
                                  for m in messages)


def bisect(handle: Handle, messages: Sequence[Message], failure: Exception,
           set_aside: SetAside, into: BatchOutcome) -> None:
    """Commit ``messages`` (which just failed together with ``failure``, rolled back) in
    halves, in order, setting aside each message that fails alone; outcomes go ``into``.

    Only a refusal is bisected: a transient or systemic error met on the way propagates
    (the caller retries the whole batch; the halves committed so far are then skipped
    by their tracked offsets, and their outcomes are already ``into``).
    """
    if len(messages) == 1:
        merge(into, set_aside(messages[0], failure))
        return
    middle = len(messages) // 2
    for half in (messages[:middle], messages[middle:]):
        try:
            outcome = handle(half)
        except Exception as exc:
            if kind_of(exc) is not Failure.REFUSED:
                raise
            bisect(handle, half, exc, set_aside, into)
        else:
            merge(into, outcome)


def merge(into: BatchOutcome, part: BatchOutcome) -> BatchOutcome:
    """Add ``part``'s counts, lists, sets and stage times to ``into`` (field by field,
    by type, so a field added to :class:`BatchOutcome` later is merged too)."""
    for spec in dataclasses.fields(into):
        mine, theirs = getattr(into, spec.name), getattr(part, spec.name)
        if isinstance(mine, bool) or theirs is None:
            continue
        if mine is None:
            setattr(into, spec.name, theirs)
        elif isinstance(mine, int | float):
            setattr(into, spec.name, mine + theirs)
        elif isinstance(mine, list):
            mine.extend(theirs)
        elif isinstance(mine, set):
            mine |= theirs
        elif isinstance(mine, dict):
            for key, value in theirs.items():
                number = isinstance(value, int | float) and not isinstance(value, bool)
                mine[key] = mine.get(key, 0) + value if number else value
    return into
