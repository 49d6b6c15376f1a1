"""The ledger of pac-grants: double-entry, append-only, idempotent, hash-chained, and the
pipeline's state beside it (docs/ledger.md). Import from here only: the modules inside
are the package's own (an import-linter contract in CI keeps it so).

    from pac_grants.ledger import Ledger, TransactionSpec, Posting, NotFound

    ledger = Ledger.from_url(url)        # no engine at import time; SQLite or PostgreSQL
    ledger.upgrade()                     # the migrations (idempotent)

    with ledger.unit_of_work() as uow:   # the one way to write: one transaction, chain lock
        uow.postings.post([spec, ...])   # idempotent by key; .duplicate for a known key
        uow.state...; uow.communes...; uow.dead_letters...; uow.results...; uow.outbox...
        uow.commit()                     # rollback unless committed

    with ledger.reader() as r:           # the one way to read: read-only, one snapshot
        r.postings.summary(); r.postings.balances(cycle, as_of); r.postings.statement(code)
        r.postings.export(out, "csv"); r.postings.verify(); r.state.cycle(n)
        r.dead_letters.recent(100); r.results.latest(cycle, window); r.communes.names(codes)
        r.rulesets.all()                 # variants stored for simulations (uow.rulesets.add)
        r.complaints.register(cycle)     # the complaints register (None: every cycle)
        r.treasury.orders(cycle, commune, status, as_of); r.treasury.sources_uses(cycle)

Checkpoints of the chain head (docs/ledger.md "Checkpoints"): ``uow.postings.head()``
and ``.count()`` give one, :class:`Checkpoint` holds it, :class:`Signer` signs it and
``r.postings.audit(checkpoints, Verifier.load(pem))`` checks a ledger against them.

``ledger.summary()``, ``balances()``, ``balance()``, ``allocated()``, ``verify()``,
``dead_letters()``, ``complaints()``, ``orders()``, ``sources_uses()`` are one-shot
reads, each in its own reader.

``TransactionSpec(key, kind, cycle, window, postings, cause_event_ids, ruleset_id,
ruleset_digest, inputs_digest, effective_date, reason, details={})`` is frozen;
``Posting(account, amount)`` has a signed amount in integer centimes. An empty or
unbalanced spec raises an :class:`InvalidTransaction` (a :class:`LedgerError`) and
nothing of the batch is written. Writers serialise on the chain head (SQLite
``BEGIN IMMEDIATE``, PostgreSQL advisory lock), so two workers never fork the chain nor
post a key twice.
"""

from pac_grants.ledger.checkpoints import (
    AuditReport,
    Checkpoint,
    CheckpointError,
    Signer,
    SigningKeyError,
    Verifier,
    generate_key_pair,
    parse_checkpoint,
)
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
from pac_grants.ledger.reader import Reader
from pac_grants.ledger.reference import AllocationResult
from pac_grants.ledger.rulesets import StoredRuleset
from pac_grants.ledger.state import (
    AssessmentRow,
    ComplaintRow,
    CycleRow,
    OrderRow,
    StateView,
    StoredCommune,
)
from pac_grants.ledger.unit_of_work import BatchLocks, ExclusiveNeeded, UnitOfWork
from pac_grants.ledger.verify import VerifyReport

__all__ = [
    "AllocationResult",
    "AssessmentRow",
    "AuditReport",
    "BatchLocks",
    "Checkpoint",
    "CheckpointError",
    "ComplaintRow",
    "CycleRow",
    "DatabaseUnavailable",
    "EmptyTransaction",
    "ExclusiveNeeded",
    "InvalidAccount",
    "InvalidTransaction",
    "Ledger",
    "LedgerError",
    "NotFound",
    "OrderRow",
    "PostResult",
    "Posting",
    "Reader",
    "SchemaMissing",
    "Signer",
    "SigningKeyError",
    "StateView",
    "StoredCommune",
    "StoredRuleset",
    "TransactionSpec",
    "UnbalancedTransaction",
    "UnitOfWork",
    "Verifier",
    "VerifyReport",
    "generate_key_pair",
    "parse_checkpoint",
]
