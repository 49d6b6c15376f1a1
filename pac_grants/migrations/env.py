"""Alembic environment of pac-grants, driven from code (no alembic.ini needed).

``pac_grants.ledger.database.upgrade`` passes an open connection in
``config.attributes["connection"]``; the migrations run inside that connection's
transaction. On PostgreSQL a transaction-scoped advisory lock serialises concurrent
upgrades (a worker and the API starting together on an empty database).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

MIGRATION_LOCK = 0x7061_6301  # "pac" + 1: the upgrade lock (the chain lock is another key)


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("pac-grants runs its migrations from code; see pac_grants.ledger")
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        context.run_migrations()


run_migrations_online()
