"""Variant rulesets stored for simulations (issue 13, models/rulesets.py).

Revision ID: 0004_stored_rulesets
Revises: 0003_lifecycle
Create Date: 2026-12-01

One table beside the ledger, insert-only for the worker's role: a stored variant is
never changed, so what a simulation referred to keeps its meaning.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_stored_rulesets"
down_revision = "0003_lifecycle"
branch_labels = None
depends_on = None

GRANTS = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pac_writer') THEN
        GRANT SELECT, INSERT ON stored_rulesets TO pac_writer;
    END IF;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "stored_rulesets",
        sa.Column("digest", sa.String(80), primary_key=True),
        sa.Column("ruleset_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_stored_rulesets_ruleset_id", "stored_rulesets", ["ruleset_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRANTS)


def downgrade() -> None:
    op.drop_index("ix_stored_rulesets_ruleset_id", "stored_rulesets")
    op.drop_table("stored_rulesets")
