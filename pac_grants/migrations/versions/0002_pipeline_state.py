"""The stream pipeline's input state (docs/pipeline.md "State in the database").

Revision ID: 0002_pipeline_state
Revises: 0001_ledger
Create Date: 2026-11-29

Mutable working state beside the ledger (models/state.py): latest communes, cycles,
assessment revisions, disbursement refs, processed event ids, tracked offsets, outbox.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_pipeline_state"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

TABLES = ("pipeline_communes", "pipeline_cycles", "pipeline_assessments",
          "pipeline_disbursements", "pipeline_processed_events", "pipeline_offsets",
          "pipeline_outbox")

GRANTS = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pac_writer') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join(TABLES)} TO pac_writer;
        GRANT USAGE, SELECT ON SEQUENCE pipeline_outbox_id_seq TO pac_writer;
    END IF;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "pipeline_communes",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.create_table(
        "pipeline_cycles",
        sa.Column("cycle", sa.Integer, primary_key=True),
        sa.Column("ruleset_id", sa.String(64), nullable=False),
        sa.Column("pools", sa.Text, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("opened_event_id", sa.String(36), nullable=False),
        sa.Column("closed_event_id", sa.String(36)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "pipeline_assessments",
        sa.Column("cycle", sa.Integer, primary_key=True),
        sa.Column("commune_code", sa.String(32), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("source_topic", sa.String(255), nullable=False),
        sa.Column("source_partition", sa.Integer, nullable=False),
        sa.Column("source_offset", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_pipeline_assessments_status", "pipeline_assessments", ["status"])
    op.create_table(
        "pipeline_disbursements",
        sa.Column("payment_ref", sa.String(200), primary_key=True),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("commune_code", sa.String(32), nullable=False),
        sa.Column("amount_centimes", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
    )
    op.create_table(
        "pipeline_processed_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("topic", sa.String(255), nullable=False),
    )
    op.create_table(
        "pipeline_offsets",
        sa.Column("topic", sa.String(255), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "pipeline_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("key", sa.LargeBinary),
        sa.Column("value", sa.LargeBinary, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRANTS)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
