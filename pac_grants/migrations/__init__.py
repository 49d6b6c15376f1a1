"""Alembic migrations of the ledger (run programmatically by ``pac_grants.ledger.database``)."""
