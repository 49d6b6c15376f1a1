"""The ledger (docs/ledger.md s8.1) and its reference tables.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-29

On PostgreSQL the ledger tables are made append-only by the database itself
(docs/ledger.md s5, s8.4): triggers refuse UPDATE, DELETE and TRUNCATE, and the role ``pac_writer``
(if it exists; ``scripts/services`` creates it) gets only SELECT and INSERT on them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

LEDGER_TABLES = ("ledger_accounts", "ledger_transactions", "ledger_postings")
REFERENCE_TABLES = ("communes", "dead_letters", "allocation_results")
TZ = sa.DateTime(timezone=True)

REFUSE_FUNCTION = """
CREATE FUNCTION pac_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'post a correcting transaction instead (docs/ledger.md s5)';
END $$
"""

GRANTS = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pac_writer') THEN
        GRANT USAGE ON SCHEMA public TO pac_writer;
        GRANT SELECT, INSERT ON ledger_accounts, ledger_transactions, ledger_postings
            TO pac_writer;
        GRANT SELECT, INSERT, UPDATE ON communes, dead_letters, allocation_results
            TO pac_writer;
        GRANT USAGE, SELECT ON SEQUENCE dead_letters_id_seq, allocation_results_id_seq
            TO pac_writer;
        GRANT SELECT ON alembic_version TO pac_writer;
    END IF;
END $$
"""


def upgrade() -> None:
    _ledger_tables()
    _reference_tables()
    if op.get_bind().dialect.name == "postgresql":
        _append_only()
        op.execute(GRANTS)


def _ledger_tables() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("window", sa.String(64)),
        sa.Column("commune_code", sa.String(64)),
        sa.CheckConstraint(
            "type IN ('funding', 'pool', 'payable', 'paid')", name="ck_ledger_accounts_type"
        ),
    )
    op.create_index("ix_ledger_accounts_cycle_type", "ledger_accounts", ["cycle", "type"])
    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("window", sa.String(64)),
        sa.Column("cause_event_ids", sa.JSON, nullable=False),
        sa.Column("ruleset_id", sa.String(64)),
        sa.Column("ruleset_digest", sa.String(80)),
        sa.Column("inputs_digest", sa.String(80)),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("written_at", TZ, nullable=False),
        sa.Column("prev_hash", sa.String(80), nullable=False),
        sa.Column("hash", sa.String(80), nullable=False, unique=True),
        sa.CheckConstraint(
            "kind IN ('envelope', 'allocation', 'adjustment', 'disbursement')",
            name="ck_ledger_transactions_kind",
        ),
    )
    op.create_index(
        "ix_ledger_transactions_cycle_kind", "ledger_transactions", ["cycle", "kind"]
    )
    op.create_table(
        "ledger_postings",
        sa.Column(
            "transaction_id",
            sa.String(255),
            sa.ForeignKey("ledger_transactions.id"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column(
            "account", sa.String(200), sa.ForeignKey("ledger_accounts.name"), nullable=False
        ),
        sa.Column("amount", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ledger_postings_account", "ledger_postings", ["account"])


def _reference_tables() -> None:
    op.create_table(
        "communes",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name_fr", sa.String(200), nullable=False),
        sa.Column("name_ar", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200), nullable=False),
        sa.Column("province", sa.String(200), nullable=False),
        sa.Column("population_2014", sa.Integer),
        sa.Column("population_2024", sa.Integer),
        sa.Column("participating", sa.Boolean, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("source_topic", sa.String(255), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("key", sa.Text),
        sa.Column("raw_value", sa.Text, nullable=False),
        sa.Column("encoding", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.UniqueConstraint(
            "source_topic", "partition", "offset", name="uq_dead_letters_source"
        ),
    )
    op.create_index("ix_dead_letters_code", "dead_letters", ["code"])
    op.create_table(
        "allocation_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("window", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ruleset_id", sa.String(64)),
        sa.Column("ruleset_digest", sa.String(80)),
        sa.Column("inputs_digest", sa.String(80)),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("written_at", TZ, nullable=False),
    )
    op.create_index(
        "ix_allocation_results_cycle_window", "allocation_results", ["cycle", "window"]
    )


def _append_only() -> None:
    op.execute(REFUSE_FUNCTION)
    for table in LEDGER_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pac_ledger_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION pac_ledger_refuse_change()"
        )


def downgrade() -> None:
    for table in (*REFERENCE_TABLES, "ledger_postings", "ledger_transactions", "ledger_accounts"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS pac_ledger_refuse_change()")
