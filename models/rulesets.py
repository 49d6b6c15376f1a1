"""The table of variant rulesets stored by ``pac-grants rulesets add`` (issue 13).

A stored ruleset is identified by its digest (docs/rules.md s1: SHA-256 of its canonical
JSON), so the same content is stored once whatever its file looked like; ``content``
keeps the YAML as written, so an error can still name its lines. Rows are only ever
inserted: a variant the API or a simulation referred to keeps meaning the same rules.
Not part of the ledger's chain. Migration:
``pac_grants/migrations/versions/0004_stored_rulesets.py``.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

stored_rulesets = Table(
    "stored_rulesets", metadata,
    Column("digest", String(80), primary_key=True),  # sha256:<64 hex>
    Column("ruleset_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("source", String(500), nullable=False),  # the file it was added from
    Column("content", Text, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Index("ix_stored_rulesets_ruleset_id", "ruleset_id"),
)
