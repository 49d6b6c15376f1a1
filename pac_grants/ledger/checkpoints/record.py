"""One checkpoint of the chain head: what the worker publishes and an auditor keeps.

``{"seq", "hash", "at", "count"}`` says that when it was taken (``at``, UTC), the ledger's
last transaction had sequence ``seq`` and hash ``hash``, and the ledger held ``count``
transactions (equal to ``seq`` in an intact ledger). A signed checkpoint adds
``signature`` (base64 Ed25519 over :meth:`Checkpoint.signed_bytes`, the canonical JSON
of those four fields) and ``key_id`` (which key signed it). ``at`` stays the text it was
signed as, so a checkpoint read back verifies byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pac_grants.ledger.errors import LedgerError
from pac_grants.ledger.hashing import canonical_json, utc_iso

SIGNED_FIELDS = ("seq", "hash", "at", "count")
OPTIONAL_FIELDS = ("signature", "key_id")
HASH = re.compile(r"^sha256:[0-9a-f]{64}$")
SIGNATURE_BYTES = 64  # Ed25519


class CheckpointError(LedgerError):
    """A checkpoint record that cannot be read; ``str()`` is one line naming where."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    count: int
    signature: str | None = None
    key_id: str | None = None

    @classmethod
    def taken(cls, seq: int, hash: str, at: datetime, count: int) -> Checkpoint:
        """An unsigned checkpoint of the head ``(seq, hash)`` taken at ``at``."""
        return cls(seq, hash, utc_iso(at), count)

    def content(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": self.at, "count": self.count}

    def signed_bytes(self) -> bytes:
        """What the signature covers: the canonical JSON of the four fields, UTF-8."""
        return canonical_json(self.content()).encode("utf-8")

    def signed(self, signature: bytes, key_id: str) -> Checkpoint:
        return replace(self, signature=base64.b64encode(signature).decode("ascii"),
                       key_id=key_id)

    def signature_bytes(self) -> bytes | None:
        return None if self.signature is None else base64.b64decode(self.signature)

    def record(self) -> dict[str, Any]:
        extra = {"signature": self.signature, "key_id": self.key_id} if self.signature else {}
        return self.content() | extra

    def to_json(self) -> str:
        """One line of JSON (the Kafka value, a line of an exported file)."""
        return canonical_json(self.record())

    def identity(self) -> tuple[Any, ...]:
        """Two records with the same identity are the same checkpoint (export dedup)."""
        return (self.seq, self.hash, self.at, self.count, self.signature, self.key_id)

    def describe(self) -> str:
        return f"the checkpoint of sequence {self.seq} taken at {self.at}"


def parse(value: str | bytes, where: str) -> Checkpoint:
    """A checkpoint from its JSON; :class:`CheckpointError` naming ``where`` otherwise."""
    try:
        record = json.loads(value)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise CheckpointError(f"{where}: not a JSON checkpoint") from None
    if not isinstance(record, dict):
        raise CheckpointError(f"{where}: a checkpoint is a JSON object")
    unknown = sorted(set(record) - set(SIGNED_FIELDS) - set(OPTIONAL_FIELDS))
    missing = [name for name in SIGNED_FIELDS if name not in record]
    if unknown or missing:
        what = (f"unknown field(s) {', '.join(unknown)}" if unknown
                else f"missing field(s) {', '.join(missing)}")
        raise CheckpointError(f"{where}: {what}")
    problem = _problem(record)
    if problem:
        raise CheckpointError(f"{where}: {problem}")
    return Checkpoint(record["seq"], record["hash"], record["at"], record["count"],
                      record.get("signature"), record.get("key_id"))


def _problem(record: dict[str, Any]) -> str | None:
    for name in ("seq", "count"):
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f"{name} must be a non-negative integer"
    if not isinstance(record["hash"], str) or not HASH.match(record["hash"]):
        return "hash must be sha256: and 64 hexadecimal digits"
    if not isinstance(record["at"], str) or not _timestamp(record["at"]):
        return "at must be an ISO 8601 timestamp with its zone"
    signature, key_id = record.get("signature"), record.get("key_id")
    if (signature is None) != (key_id is None):
        return "signature and key_id go together"
    if signature is not None and (not isinstance(key_id, str) or not _signature(signature)):
        return f"signature must be {SIGNATURE_BYTES} bytes in base64 and key_id a string"
    return None


def _timestamp(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _signature(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return len(base64.b64decode(value, validate=True)) == SIGNATURE_BYTES
    except (binascii.Error, ValueError):
        return False
