"""The ledger of pac-grants: double-entry, append-only, idempotent, hash-chained (ledger.md).

The interface the pipeline codes against (docs/architecture.md "Ledger API")::

    from pac_grants.ledger import Ledger, TransactionSpec, Posting, PostResult, LedgerError

    ledger = Ledger.from_url(url)   # no engine at import time; SQLite or PostgreSQL
    ledger.upgrade()                # apply the migrations (idempotent); done by worker/demo/api
    res = ledger.post(spec)         # one DB transaction; res.duplicate if the key existed
    ledger.post_many(specs)         # several in one DB transaction; repeats are no-ops
    ledger.balance(account, as_of=None) -> int          # centimes
    ledger.allocated(cycle) -> {(window, commune): int}  # allocation + adjustments to payable
    ledger.outstanding(cycle, commune) -> int            # payable balance
    ledger.funded(cycle, window) -> int                  # the window's pool envelope
    ledger.summary(cycle=None), ledger.balances(cycle, as_of=None),
    ledger.statement(commune, cycle=None), ledger.export(out, "csv"|"json", cycle=None),
    ledger.verify() -> VerifyReport (.ok, .line(), .transaction_id)
    ledger.upsert_communes(rows), ledger.record_dead_letter(...), ledger.dead_letters(limit, code),
    ledger.record_allocation_result(...), ledger.latest_allocation_result(cycle, window)
    ledger.engine; ledger.unit_of_work(); ledger.dispose()

``TransactionSpec(key, kind, cycle, window, postings, cause_event_ids, ruleset_id,
ruleset_digest, inputs_digest, effective_date, reason, details={})`` is frozen;
``Posting(account, amount)`` has a signed amount in integer centimes. An empty or
unbalanced spec raises an :class:`InvalidTransaction` (a :class:`LedgerError`) and
nothing of the batch is written. Accounts are ``funding:{cycle}:{window}``,
``pool:{cycle}:{window}``, ``payable:{cycle}:{commune}``, ``paid:{cycle}:{commune}``.
Writers serialise on the chain head (SQLite ``BEGIN IMMEDIATE``, PostgreSQL advisory
lock), so two workers never fork the chain nor post a key twice.
"""

from pac_grants.ledger.core import Ledger
from pac_grants.ledger.errors import (
    DatabaseUnavailable,
    EmptyTransaction,
    InvalidAccount,
    InvalidTransaction,
    LedgerError,
    NotFound,
    SchemaMissing,
    UnbalancedTransaction,
)
from pac_grants.ledger.posting import Posting, PostResult, TransactionSpec
from pac_grants.ledger.verify import VerifyReport

__all__ = [
    "DatabaseUnavailable",
    "EmptyTransaction",
    "InvalidAccount",
    "InvalidTransaction",
    "Ledger",
    "LedgerError",
    "NotFound",
    "PostResult",
    "Posting",
    "SchemaMissing",
    "TransactionSpec",
    "UnbalancedTransaction",
    "VerifyReport",
]
