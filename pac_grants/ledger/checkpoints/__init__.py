"""Checkpoints: the chain head anchored outside the database (docs/ledger.md
"Checkpoints"). The worker publishes one at every approval and every
``PAC_LEDGER_CHECKPOINT_EVERY`` transactions, signed when ``PAC_LEDGER_SIGNING_KEY`` is
set; ``pac-grants ledger verify --checkpoints`` checks a ledger against them. Other
packages import these names from :mod:`pac_grants.ledger`:

    checkpoint = Checkpoint.taken(seq, hash, at, count)   # uow.postings.head(), .count()
    signed = Signer.load(path).sign(checkpoint)           # Ed25519 over the canonical JSON
    with ledger.reader() as r:
        report = r.postings.audit([parse_checkpoint(line, "file:1")], Verifier.load(pem))
"""

from pac_grants.ledger.checkpoints.audit import AuditReport
from pac_grants.ledger.checkpoints.record import Checkpoint, CheckpointError
from pac_grants.ledger.checkpoints.record import parse as parse_checkpoint
from pac_grants.ledger.checkpoints.signing import Signer, SigningKeyError, Verifier
from pac_grants.ledger.checkpoints.signing import generate as generate_key_pair

__all__ = [
    "AuditReport",
    "Checkpoint",
    "CheckpointError",
    "Signer",
    "SigningKeyError",
    "Verifier",
    "generate_key_pair",
    "parse_checkpoint",
]
