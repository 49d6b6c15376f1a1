"""State access that does not grow with the run (issue 15, docs/performance.md).

Revision ID: 0006_pipeline_speed
Revises: 0005_treasury
Create Date: 2026-12-09

- ``pipeline_communes.version``: the order in which communes were written (each write
  takes the next number; rows written before this revision are 0). A worker keeps the
  communes in memory across batches and reads only the rows above the version it holds,
  so several workers sharing the database stay current (``streams/registry.py``).
- ``ix_pipeline_communes_version``: that read, and ``max(version)`` at each batch.

(The revisions a batch mentions are read per cycle on the primary key, which starts
with ``cycle``: no index is needed for them, see ``StateView.revisions``.)

No row changes meaning: the ledger and its hashes are untouched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_pipeline_speed"
down_revision = "0005_treasury"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pipeline_communes") as batch:
        batch.add_column(sa.Column("version", sa.BigInteger, nullable=False,
                                   server_default="0"))
    op.create_index("ix_pipeline_communes_version", "pipeline_communes", ["version"])


def downgrade() -> None:
    op.drop_index("ix_pipeline_communes_version", "pipeline_communes")
    with op.batch_alter_table("pipeline_communes") as batch:
        batch.drop_column("version")
