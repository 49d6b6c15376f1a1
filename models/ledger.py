"""SQLAlchemy 2 tables of the ledger (docs/ledger.md s8.1) and its reference tables.

Ledger tables (append-only, hash-chained; on PostgreSQL triggers refuse UPDATE, DELETE
and TRUNCATE, migration ``0001_ledger``):

- ``ledger_accounts``: one row per account name (``funding:{cycle}:{window}``, ...),
  with its parsed parts so that reads can group by commune or window.
- ``ledger_transactions``: ``id`` is the deterministic idempotency key (unique: a cause
  is written once); ``sequence`` is the total order (1, 2, 3, ... without gaps);
  ``prev_hash``/``hash`` chain the transactions (``pac_grants.ledger.hashing``).
- ``ledger_postings``: signed integer centimes; each transaction's postings sum to 0.

Reference tables (mutable, neither chained nor append-only): ``communes``,
``dead_letters``, ``allocation_results``.

The migration is written by hand from these classes; ``tests/unit/test_ledger_schema.py``
checks that the two agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.codes import AccountType, TransactionKind

KINDS = tuple(TransactionKind)
ACCOUNT_TYPES = tuple(AccountType)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base of the ledger's schema (a later revision may add its own tables)."""


class Account(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(_one_of("type", ACCOUNT_TYPES), name="ck_ledger_accounts_type"),
        Index("ix_ledger_accounts_cycle_type", "cycle", "type"),
    )

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer)
    window: Mapped[str | None] = mapped_column(String(64))
    commune_code: Mapped[str | None] = mapped_column(String(64))


class Transaction(Base):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="ck_ledger_transactions_kind"),
        Index("ix_ledger_transactions_cycle_kind", "cycle", "kind"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer)
    window: Mapped[str | None] = mapped_column(String(64))
    cause_event_ids: Mapped[list[str]] = mapped_column(JSON)
    ruleset_id: Mapped[str | None] = mapped_column(String(64))
    ruleset_digest: Mapped[str | None] = mapped_column(String(80))
    inputs_digest: Mapped[str | None] = mapped_column(String(80))
    effective_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    prev_hash: Mapped[str] = mapped_column(String(80))
    hash: Mapped[str] = mapped_column(String(80), unique=True)


class PostingRow(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_account", "account"),)

    transaction_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("ledger_transactions.id"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(200), ForeignKey("ledger_accounts.name"))
    amount: Mapped[int] = mapped_column(BigInteger)


class CommuneRow(Base):
    __tablename__ = "communes"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(200))
    population_2014: Mapped[int | None] = mapped_column(Integer)
    population_2024: Mapped[int | None] = mapped_column(Integer)
    participating: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeadLetterRow(Base):
    __tablename__ = "dead_letters"
    __table_args__ = (
        UniqueConstraint("source_topic", "partition", "offset", name="uq_dead_letters_source"),
        Index("ix_dead_letters_code", "code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source_topic: Mapped[str] = mapped_column(String(255))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str | None] = mapped_column(Text)
    raw_value: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[Any] = mapped_column(JSON)


class AllocationResultRow(Base):
    __tablename__ = "allocation_results"
    __table_args__ = (Index("ix_allocation_results_cycle_window", "cycle", "window"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle: Mapped[int] = mapped_column(Integer)
    window: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    ruleset_id: Mapped[str | None] = mapped_column(String(64))
    ruleset_digest: Mapped[str | None] = mapped_column(String(80))
    inputs_digest: Mapped[str | None] = mapped_column(String(80))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


LEDGER_TABLES = ("ledger_accounts", "ledger_transactions", "ledger_postings")
REFERENCE_TABLES = ("communes", "dead_letters", "allocation_results")

# Core ``Table`` objects for the queries (SQLAlchemy Core, typed as tables for mypy).
ACCOUNTS = cast(Table, Account.__table__)
TRANSACTIONS = cast(Table, Transaction.__table__)
POSTINGS = cast(Table, PostingRow.__table__)
COMMUNES = cast(Table, CommuneRow.__table__)
DEAD_LETTERS = cast(Table, DeadLetterRow.__table__)
ALLOCATION_RESULTS = cast(Table, AllocationResultRow.__table__)
