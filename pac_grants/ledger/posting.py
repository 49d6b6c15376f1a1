"""What the pipeline asks the ledger to write: :class:`TransactionSpec` and its postings.

A spec is validated before anything touches the database (docs/ledger.md s8.2): at
least one posting, integer centimes, postings summing to zero, accounts of the
kinds of docs/ledger.md "Accounts" belonging to the spec's cycle, JSON-plain ``details``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from models.codes import AccountType, TransactionKind
from pac_grants.ledger.errors import (
    EmptyTransaction,
    InvalidAccount,
    InvalidTransaction,
    UnbalancedTransaction,
)

Kind = TransactionKind
KINDS: tuple[str, ...] = tuple(TransactionKind)
ACCOUNT_TYPES: tuple[str, ...] = tuple(AccountType)
BETWEEN_CYCLES = frozenset({TransactionKind.OFFSET, TransactionKind.CARRY_OVER})
MAX_AMOUNT = 2**62  # far above any budget, far below BIGINT overflow
MAX_KEY = 255


@dataclass(frozen=True)
class Posting:
    """One line of a transaction: a signed amount in integer centimes on an account."""

    account: str
    amount: int


@dataclass(frozen=True)
class PostResult:
    """The outcome of posting one spec: ``duplicate`` is True if its key was already there."""

    key: str
    duplicate: bool


@dataclass(frozen=True)
class TransactionSpec:
    """A transaction to write; ``key`` is its deterministic id and idempotency key."""

    key: str
    kind: Kind
    cycle: int
    window: str | None
    postings: tuple[Posting, ...]
    cause_event_ids: tuple[str, ...]
    ruleset_id: str | None
    ruleset_digest: str | None
    inputs_digest: str | None
    effective_date: date
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)


class AccountParts(NamedTuple):
    """An account name split into the columns of ``ledger_accounts``."""

    name: str
    type: str
    cycle: int
    window: str | None
    commune_code: str | None


def parse_account(name: str) -> AccountParts:
    """``payable:2021:09.001.01.01`` -> its parts; :class:`InvalidAccount` otherwise."""
    parts = name.split(":", 2)
    if len(parts) != 3 or parts[0] not in ACCOUNT_TYPES:
        raise InvalidAccount(f"account {name!r} is not of the form kind:cycle:name"
                             " (docs/ledger.md s2)")
    kind, cycle, rest = parts
    if not cycle.isdigit() or not rest or len(name) > 200:
        raise InvalidAccount(f"account {name!r}: cycle must be digits and the name non-empty")
    if kind in (AccountType.FUNDING, AccountType.POOL):  # funding may name its financier
        return AccountParts(name, kind, int(cycle), rest.split(":", 1)[0], None)
    return AccountParts(name, kind, int(cycle), None, rest)


def validate(spec: TransactionSpec) -> None:
    """Raise an :class:`InvalidTransaction` if ``spec`` must not be written."""
    where = f"transaction {spec.key!r}"
    if not spec.key or len(spec.key) > MAX_KEY:
        raise InvalidTransaction(f"{where}: the key must have 1 to {MAX_KEY} characters")
    if spec.kind not in KINDS:
        raise InvalidTransaction(f"{where}: kind {spec.kind!r} is not one of {KINDS}")
    if isinstance(spec.effective_date, datetime) or not isinstance(spec.effective_date, date):
        raise InvalidTransaction(f"{where}: effective_date must be a date (not a datetime)")
    if not spec.postings:
        raise EmptyTransaction(f"{where}: a transaction needs at least one posting")
    for posting in spec.postings:
        _check_posting(where, posting)
    _check_cycles(where, spec)
    total = sum(p.amount for p in spec.postings)
    if total != 0:
        raise UnbalancedTransaction(f"{where}: postings sum to {total} centimes, not 0")
    if not all(isinstance(c, str) for c in spec.cause_event_ids):
        raise InvalidTransaction(f"{where}: cause_event_ids must be strings")
    _check_json(where, dict(spec.details))


def _check_posting(where: str, posting: Posting) -> None:
    amount = posting.amount
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidTransaction(f"{where}: amount {amount!r} must be integer centimes")
    if abs(amount) > MAX_AMOUNT:
        raise InvalidTransaction(f"{where}: amount {amount} is out of range")


def _check_cycles(where: str, spec: TransactionSpec) -> None:
    """Postings go to accounts of the transaction's cycle; ``offset`` and ``carry_over``
    move money between two cycles, one of them the transaction's (docs/ledger.md s2)."""
    cycles = {parse_account(p.account).cycle for p in spec.postings}
    if spec.kind in BETWEEN_CYCLES:
        if spec.cycle in cycles and len(cycles) <= 2:
            return
        raise InvalidAccount(f"{where}: a {spec.kind} moves money between cycle {spec.cycle} "
                             f"and one other, not {sorted(cycles)}")
    other = sorted(cycles - {spec.cycle})
    if other:
        raise InvalidAccount(f"{where}: an account of cycle {other[0]} is not of cycle "
                             f"{spec.cycle}")


def _check_json(where: str, value: object) -> None:
    """Details are hashed, so they must survive a JSON round trip unchanged (no floats)."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_json(where, item)
        return
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        for item in value.values():
            _check_json(where, item)
        return
    raise InvalidTransaction(
        f"{where}: details must hold only strings, integers, booleans, null, lists and "
        f"objects with string keys, not {type(value).__name__}"
    )
