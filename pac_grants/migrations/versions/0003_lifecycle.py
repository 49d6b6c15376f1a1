"""The approval lifecycle (docs/events.md s4, s6): cycle states, stored rulesets,
complaints, frozen reference data.

Revision ID: 0003_lifecycle
Revises: 0002_pipeline_state
Create Date: 2026-12-02

A ledger written by the previous release keeps what it holds: a cycle it had closed is
``approved`` (once), closed on the effective date of its ``allocation`` transactions;
its frozen commune data is the data current at the upgrade; every cycle stores the
content of its packaged ruleset. The ledger tables themselves do not change.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003_lifecycle"
down_revision = "0002_pipeline_state"
branch_labels = None
depends_on = None

NEW_TABLES = ("pipeline_complaints", "pipeline_frozen_communes")
GRANTS = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pac_writer') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join(NEW_TABLES)} TO pac_writer;
    END IF;
END $$
"""
CYCLE_COLUMNS = (
    sa.Column("state", sa.String(16), nullable=False, server_default="open"),
    sa.Column("ruleset_document", sa.Text),
    sa.Column("opened_on", sa.Date),
    sa.Column("approvals", sa.Integer, nullable=False, server_default="0"),
    sa.Column("notified_on", sa.Date),
    sa.Column("complaint_deadline", sa.Date),
    sa.Column("closed_on", sa.Date),
    sa.Column("first_closed_on", sa.Date),
    sa.Column("decision_ref", sa.String(200)),
    sa.Column("approved_by", sa.String(200)),
    sa.Column("reopened_on", sa.Date),
    sa.Column("reopen_ref", sa.String(200)),
    sa.Column("reopen_reason", sa.String(200)),
)


def upgrade() -> None:
    with op.batch_alter_table("pipeline_cycles") as batch:
        for column in CYCLE_COLUMNS:
            batch.add_column(column.copy())
    _carry_forward(op.get_bind())
    with op.batch_alter_table("pipeline_cycles") as batch:
        batch.drop_column("status")
    op.create_table(
        "pipeline_complaints",
        sa.Column("complaint_id", sa.String(200), primary_key=True),
        sa.Column("cycle", sa.Integer, nullable=False),
        sa.Column("commune_code", sa.String(32), nullable=False),
        sa.Column("lodged_on", sa.Date, nullable=False),
        sa.Column("subjects", sa.Text, nullable=False),
        sa.Column("summary", sa.String(200)),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("decided_on", sa.Date),
        sa.Column("outcome", sa.String(16)),
        sa.Column("revision", sa.Integer),
        sa.Column("decision_event_id", sa.String(36)),
        sa.Column("decision_digest", sa.String(64)),
    )
    op.create_index("ix_pipeline_complaints_cycle", "pipeline_complaints", ["cycle"])
    op.create_table(
        "pipeline_frozen_communes",
        sa.Column("cycle", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("window", sa.String(64)),
    )
    _freeze_closed_cycles(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GRANTS)


def _carry_forward(bind: Any) -> None:
    """States, dates and ruleset contents of the cycles the previous release knew."""
    from pac_grants.rules.ruleset import packaged_ruleset_by_id

    cycles = sa.table("pipeline_cycles", sa.column("cycle"), sa.column("ruleset_id"),
                      sa.column("status"), *(sa.column(c.name) for c in CYCLE_COLUMNS))
    for number, ruleset_id, status in bind.execute(
            sa.select(cycles.c.cycle, cycles.c.ruleset_id, cycles.c.status)).all():
        closed_on = _effective(bind, number, "allocation")
        values: dict[str, Any] = {
            "ruleset_document": packaged_ruleset_by_id(ruleset_id).document,
            "opened_on": _effective(bind, number, "envelope"),
            "state": "approved" if status == "closed" else "open",
            "approvals": 1 if status == "closed" else 0,
        }
        if status == "closed":
            values |= {"closed_on": closed_on, "first_closed_on": closed_on}
        bind.execute(sa.update(cycles).where(cycles.c.cycle == number).values(**values))


def _effective(bind: Any, cycle: int, kind: str) -> Any:
    """The first effective date of the cycle's transactions of one kind."""
    tx = sa.table("ledger_transactions", sa.column("cycle"), sa.column("kind"),
                  sa.column("effective_date", sa.Date))
    return bind.execute(sa.select(sa.func.min(tx.c.effective_date)).where(
        tx.c.cycle == cycle, tx.c.kind == kind)).scalar()


def _freeze_closed_cycles(bind: Any) -> None:
    """The data current at the upgrade becomes the approved cycles' frozen data."""
    from pac_grants.rules.ruleset import stored_ruleset

    cycles = sa.table("pipeline_cycles", sa.column("cycle"), sa.column("state"),
                      sa.column("ruleset_document"))
    communes = sa.table("pipeline_communes", sa.column("code"), sa.column("event_id"),
                        sa.column("payload"), sa.column("digest"))
    frozen = sa.table("pipeline_frozen_communes", sa.column("cycle"), sa.column("code"),
                      sa.column("event_id"), sa.column("payload"), sa.column("digest"),
                      sa.column("window"))
    rows = bind.execute(sa.select(communes)).all()
    for number, document in bind.execute(sa.select(cycles.c.cycle, cycles.c.ruleset_document)
                                         .where(cycles.c.state == "approved")).all():
        ruleset = stored_ruleset(document)
        values = [{"cycle": number, "code": code, "event_id": event_id, "payload": payload,
                   "digest": digest, "window": _window(ruleset, payload)}
                  for code, event_id, payload, digest in rows]
        if values:
            bind.execute(sa.insert(frozen), values)


def _window(ruleset: Any, payload: str) -> str | None:
    population = json.loads(payload)["population"].get(str(ruleset.population_census), 0)
    window = ruleset.window_of(int(population))
    return None if window is None else str(window.id)


def downgrade() -> None:
    op.drop_table("pipeline_frozen_communes")
    op.drop_table("pipeline_complaints")
    with op.batch_alter_table("pipeline_cycles") as batch:
        batch.add_column(sa.Column("status", sa.String(8), nullable=False,
                                   server_default="open"))
    op.execute("UPDATE pipeline_cycles SET status = CASE WHEN approvals > 0 "
               "THEN 'closed' ELSE 'open' END")
    with op.batch_alter_table("pipeline_cycles") as batch:
        for column in CYCLE_COLUMNS:
            batch.drop_column(column.name)
