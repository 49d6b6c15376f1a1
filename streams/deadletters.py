"""Dead-letter records (docs/events.md s8.2, ``pac.dead-letters.v1``).

One record per rejected message, keyed by the source key, carrying the raw value as
text (or base64 with ``"encoding": "base64"`` when it is not UTF-8) and the error. It is
stored in the database (``dead_letters``, for ``pac-grants dlq``) and queued in the
outbox for the Kafka topic, in the batch's transaction: a rejected message never touches
the ledger and never stops the worker.

A message whose rows the database refuses is set aside by :func:`set_aside`, in a
transaction of its own (its batch's was rolled back): ``storage_rejected`` with the
error's class and first line, never a stack trace (streams/isolation.py).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError

from models import deadletters
from models.codes import DeadLetterCode
from models.decode import Rejection
from pac_grants.errors import first_line
from pac_grants.ledger import BatchLocks, Ledger, UnitOfWork
from streams.isolation import RemoteFailure
from streams.messages import BatchOutcome, Message

#: A dead letter keeps at most this much of the raw value: a message over the 64 KiB
#: limit (docs/events.md s2) is refused for its size, and replaying it is pointless; the whole of
#: a 1 MiB message would not even fit in a record of the dead-letter topic.
MAX_RAW = 64 * 1024


def raw_text(value: bytes | None) -> tuple[str, str]:
    """The raw value as (text, encoding): UTF-8 text if it is (and holds no NUL, which
    PostgreSQL text refuses), else base64."""
    if value is None:
        return "", "utf-8"
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        return base64.b64encode(value).decode("ascii"), "base64"
    return text, "utf-8"


def key_text(key: bytes | None) -> str | None:
    """The source key as text; bytes that are not UTF-8, and NUL, as backslash escapes."""
    if key is None:
        return None
    return key.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def record(message: Message, rejection: Rejection, received_at: datetime) -> dict[str, Any]:
    """The JSON record of docs/events.md for one rejected message."""
    value = message.value
    truncated = value is not None and len(value) > MAX_RAW
    text, encoding = raw_text(value[:MAX_RAW] if value is not None else None)
    return deadletters.record(
        received_at=received_at, source_topic=message.topic, partition=message.partition,
        offset=message.offset, key=key_text(message.key), raw_value=text, encoding=encoding,
        error=rejection.as_error(), size=len(value or b"") if truncated else None)


def write(uow: UnitOfWork, dlq_topic: str, message: Message, rejection: Rejection,
          received_at: datetime) -> None:
    """Store the dead letter and queue it for the dead-letter topic (same transaction)."""
    rec = record(message, rejection, received_at)
    stored = uow.dead_letters.record(
        received_at=received_at, source_topic=message.topic,
        partition=message.partition, offset=message.offset, key=rec["key"],
        raw_value=rec["raw_value"], encoding=rec.get("encoding", "utf-8"),
        code=rejection.code, message=rejection.message, details=rejection.details)
    if stored:  # the same (topic, partition, offset) is dead-lettered once
        value = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        uow.outbox.enqueue(dlq_topic, message.key, value)


def refusal(exc: BaseException) -> Rejection:
    """``storage_rejected``: ``"IntegrityError: new row for relation ... violates ..."``.

    A database error's first line is the driver's own message (``exc.orig``): SQLAlchemy's
    text adds the SQL statement and its parameters (other messages' data) on later lines.
    """
    if isinstance(exc, RemoteFailure):  # judged in the handler's process already
        return Rejection(DeadLetterCode.STORAGE_REJECTED, exc.line)
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return Rejection(DeadLetterCode.STORAGE_REJECTED,
                     f"{type(exc).__name__}: {first_line(cause)}")


def set_aside(ledger: Ledger, dlq_topic: str, message: Message, exc: BaseException,
              received_at: datetime) -> BatchOutcome:
    """Dead-letter a message the database refused, with its tracked offset, in one
    transaction: a redelivery then skips it, and nothing else of it takes effect."""
    outcome = BatchOutcome(topic=message.topic)
    # Its partition held, like a batch of it (docs/pipeline.md "State in the database").
    with ledger.unit_of_work(batch=BatchLocks(((message.topic, message.partition),))) as uow:
        tracked = uow.state.tracked_offsets(message.topic).get(message.partition, -1)
        if message.offset <= tracked:  # committed meanwhile (another worker's batch)
            outcome.skipped = 1
            return outcome
        rejection = refusal(exc)
        write(uow, dlq_topic, message, rejection, received_at)
        uow.state.track_offsets(message.topic, {message.partition: message.offset})
        uow.commit()
    outcome.consumed = 1
    outcome.rejected.append((message.topic, rejection.code))
    return outcome
