"""The treasury (docs/ledger.md, docs/rules.md s8): payment orders, money to recover,
carry-over, co-financing.

Revision ID: 0005_treasury
Revises: 0004_stored_rulesets
Create Date: 2026-12-02

The ledger gains two account types (``ordered``, ``receivable``) and five transaction
kinds (``order``, ``order_cancel``, ``recovery``, ``offset``, ``carry_over``): only their
CHECK constraints change, no row does, so every hash still verifies. A cycle approved
before this revision keeps no payment orders (its payments post payable -> paid).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_treasury"
down_revision = "0004_stored_rulesets"
branch_labels = None
depends_on = None

KINDS = ("envelope", "allocation", "adjustment", "disbursement", "order", "order_cancel",
         "recovery", "offset", "carry_over")
OLD_KINDS = KINDS[:4]
TYPES = ("funding", "pool", "payable", "ordered", "paid", "receivable")
OLD_TYPES = ("funding", "pool", "payable", "paid")
NEW_TABLES = ("pipeline_orders", "pipeline_recoveries")
GRANTS = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pac_writer') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join(NEW_TABLES)} TO pac_writer;
    END IF;
END $$
"""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(kinds: tuple[str, ...], types: tuple[str, ...]) -> None:
    """Replace the two CHECK constraints (SQLite rebuilds the tables, rows unchanged;
    ``pac_grants.ledger.database.upgrade`` checks its foreign keys after)."""
    with op.batch_alter_table("ledger_transactions") as batch:
        batch.drop_constraint("ck_ledger_transactions_kind", type_="check")
        batch.create_check_constraint("ck_ledger_transactions_kind", _in("kind", kinds))
    with op.batch_alter_table("ledger_accounts") as batch:
        batch.drop_constraint("ck_ledger_accounts_type", type_="check")
        batch.create_check_constraint("ck_ledger_accounts_type", _in("type", types))


def upgrade() -> None:
    _checks(KINDS, TYPES)
    with op.batch_alter_table("pipeline_cycles") as batch:
        batch.add_column(sa.Column("financiers", sa.Text))
        batch.add_column(sa.Column("carried_in", sa.Text))
        batch.add_column(sa.Column("carried_out", sa.Text))
        batch.add_column(sa.Column("orders", sa.Boolean))
    op.execute("UPDATE pipeline_cycles SET orders = (approvals = 0)")
    op.create_table(
        "pipeline_orders",
        sa.Column("order_id", sa.String(100), primary_key=True),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("commune_code", sa.String(32), nullable=False),
        sa.Column("tranche", sa.String(8), nullable=False),
        sa.Column("approval", sa.Integer, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("gross", sa.BigInteger, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("cancelled", sa.BigInteger, nullable=False),
        sa.Column("paid", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_pipeline_orders_cycle_commune", "pipeline_orders",
                    ["cycle", "commune_code"])
    op.create_table(
        "pipeline_recoveries",
        sa.Column("recovery_ref", sa.String(200), primary_key=True),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("commune_code", sa.String(32), nullable=False),
        sa.Column("amount_centimes", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRANTS)


def downgrade() -> None:
    op.drop_table("pipeline_recoveries")
    op.drop_table("pipeline_orders")
    with op.batch_alter_table("pipeline_cycles") as batch:
        for column in ("orders", "carried_out", "carried_in", "financiers"):
            batch.drop_column(column)
    _checks(OLD_KINDS, OLD_TYPES)
