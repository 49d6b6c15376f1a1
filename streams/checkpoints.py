"""Publishing checkpoints of the chain head from the batch (docs/ledger.md "Checkpoints").

At the end of a batch that approved a cycle, or whose postings crossed a multiple of
``PAC_LEDGER_CHECKPOINT_EVERY``, the head ``(seq, hash)`` and the number of transactions
are queued in the outbox, in the batch's own transaction: a checkpoint is produced only
if the postings it anchors are committed, and it is never lost (the outbox re-sends
after a crash; the topic is compacted by ``seq``, so a re-send replaces itself). Signed
with Ed25519 when ``PAC_LEDGER_SIGNING_KEY`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from pac_grants.ledger import Checkpoint, Signer
from pac_grants.settings import Settings
from streams.context import BatchContext

LOGICAL = "ledger-checkpoints"


@dataclass(frozen=True)
class Checkpointer:
    """When to take a checkpoint, and the key that signs it."""

    every: int = 1000  # 0: at approvals only
    signer: Signer | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Checkpointer:
        """Raises a ``SigningKeyError`` (one line) if the signing key cannot be used."""
        path = settings.ledger_signing_key
        return cls(settings.ledger_checkpoint_every, Signer.load(path) if path else None)

    def due(self, ctx: BatchContext, head: int) -> bool:
        """An approval in this batch, or a multiple of ``every`` crossed by its postings."""
        if ctx.closings:
            return True
        written = sum(ctx.outcome.ledger_kinds.values())
        if not self.every or not written:
            return False
        return (head - written) // self.every < head // self.every

    def after_batch(self, ctx: BatchContext) -> Checkpoint | None:
        """Queue a checkpoint of the head if one is due (called before the commit)."""
        seq, digest = ctx.uow.postings.head()
        if seq == 0 or not self.due(ctx, seq):
            return None
        checkpoint = Checkpoint.taken(seq, digest, ctx.received_at, ctx.uow.postings.count())
        if self.signer is not None:
            checkpoint = self.signer.sign(checkpoint)
        ctx.uow.outbox.enqueue(ctx.topic(LOGICAL), str(seq).encode("ascii"),
                               checkpoint.to_json().encode("utf-8"))
        return checkpoint
