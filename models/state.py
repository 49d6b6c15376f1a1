"""Tables of the pipeline's input state (docs/pipeline.md "State in the database").

Why in the database and not in Faust tables: Tansu cannot restore a table from its
changelog reliably (docs/operations.md s1), and a state shared through the ledger's database lets
any worker recompute a whole cycle whatever partitions it owns. These rows are written in
the same database transaction as the ledger postings and dead letters of a batch; Kafka
offsets are committed after that transaction (docs/ledger.md "Guarantees").

Unlike the ledger, these tables are mutable working state (latest commune, cycle status,
assessment status); the ledger stays the append-only record. Migration:
``pac_grants/migrations/versions/0002_pipeline_state.py``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

#: Latest ``CommuneRegistered`` per code (docs/events.md s3.1: upsert, the latest one counts).
communes = Table(
    "pipeline_communes", metadata,
    Column("code", String(32), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("payload", Text, nullable=False),  # the event's JSON, as received
    Column("digest", String(64), nullable=False),
    # The order of writes (migration 0006): workers reload only the rows above the
    # version they hold (streams/registry.py).
    Column("version", BigInteger, nullable=False, server_default="0"),
    Index("ix_pipeline_communes_version", "version"),
)

#: One row per opened cycle: its ruleset (the content, stored at opening and used for
#: good), pools (JSON ``{window: MAD}``), and its life (docs/events.md s4):
#: ``state``, the number of approvals so far, and the dates and decisions of each step.
cycles = Table(
    "pipeline_cycles", metadata,
    Column("cycle", Integer, primary_key=True),
    Column("ruleset_id", String(64), nullable=False),
    Column("pools", Text, nullable=False),
    Column("state", String(16), nullable=False),  # open | notified | approved | reopened
    Column("opened_event_id", String(36), nullable=False),
    Column("closed_event_id", String(36)),
    Column("closed_at", DateTime(timezone=True)),
    Column("ruleset_document", Text),  # canonical JSON of the ruleset (its digest's input)
    Column("opened_on", Date),
    Column("approvals", Integer, nullable=False),
    Column("notified_on", Date),
    Column("complaint_deadline", Date),
    Column("closed_on", Date),  # the last approval's
    Column("first_closed_on", Date),
    Column("decision_ref", String(200)),
    Column("approved_by", String(200)),
    Column("reopened_on", Date),
    Column("reopen_ref", String(200)),
    Column("reopen_reason", String(200)),
    # the treasury (migration 0005_treasury)
    Column("financiers", Text),  # JSON {window: {financier: MAD}} of co-financed pools
    Column("carried_in", Text),  # JSON {window: MAD} carried over from the cycle before
    Column("carried_out", Text),  # JSON {window: MAD} carried over to the next cycle
    Column("orders", Boolean),  # False: approved before payment orders existed
)

#: Payment orders (docs/rules.md s8.1): what each order is, and how much of it was
#: cancelled and paid so far (the ledger's ``order``, ``order_cancel`` and
#: ``disbursement`` transactions are the record; these are the running totals).
orders = Table(
    "pipeline_orders", metadata,
    Column("order_id", String(100), primary_key=True),
    Column("cycle", Integer, nullable=False),
    Column("commune_code", String(32), nullable=False),
    Column("tranche", String(8), nullable=False),  # T1, T2, ... or A1, A2, ...
    Column("approval", Integer, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("gross", BigInteger, nullable=False),  # centimes
    Column("offset", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),  # net: gross - offset
    Column("cancelled", BigInteger, nullable=False),
    Column("paid", BigInteger, nullable=False),
)

#: docs/events.md s7.2: the same ``recovery_ref`` again has no second effect.
recoveries = Table(
    "pipeline_recoveries", metadata,
    Column("recovery_ref", String(200), primary_key=True),
    Column("cycle", Integer, nullable=False),
    Column("commune_code", String(32), nullable=False),
    Column("amount_centimes", BigInteger, nullable=False),
    Column("event_id", String(36), nullable=False),
)

#: Complaints of the register (docs/events.md "Complaints"): lodged, then decided.
complaints = Table(
    "pipeline_complaints", metadata,
    Column("complaint_id", String(200), primary_key=True),
    Column("cycle", Integer, nullable=False),
    Column("commune_code", String(32), nullable=False),
    Column("lodged_on", Date, nullable=False),
    Column("subjects", Text, nullable=False),  # JSON list of ids
    Column("summary", String(200)),
    Column("event_id", String(36), nullable=False),
    Column("digest", String(64), nullable=False),  # content without the envelope
    Column("decided_on", Date),
    Column("outcome", String(16)),  # upheld | rejected
    Column("revision", Integer),  # the correcting revision of an upheld complaint
    Column("decision_event_id", String(36)),
    Column("decision_digest", String(64)),
)

#: The commune data an approval used, per cycle (docs/events.md s3.1):
#: the payload of the commune's ``CommuneRegistered`` then, and its window.
frozen_communes = Table(
    "pipeline_frozen_communes", metadata,
    Column("cycle", Integer, primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("payload", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("window", String(64)),
)

#: Every accepted revision of an assessment. ``status``: ``held`` (its commune or cycle
#: is not known yet), ``counted`` (valid for its window), ``rejected`` (dead-lettered
#: when its window became known). The highest counted revision counts (docs/events.md s5.1).
assessments = Table(
    "pipeline_assessments", metadata,
    Column("cycle", Integer, primary_key=True),
    Column("commune_code", String(32), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("digest", String(64), nullable=False),  # content without the envelope
    Column("payload", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("source_topic", String(255), nullable=False),
    Column("source_partition", Integer, nullable=False),
    Column("source_offset", BigInteger, nullable=False),
    Index("ix_pipeline_assessments_status", "status"),  # 0002: the held ones are few
)

#: docs/events.md s7.1: the same ``payment_ref`` again has no second effect.
disbursements = Table(
    "pipeline_disbursements", metadata,
    Column("payment_ref", String(200), primary_key=True),
    Column("cycle", Integer, nullable=False),
    Column("commune_code", String(32), nullable=False),
    Column("amount_centimes", BigInteger, nullable=False),
    Column("event_id", String(36), nullable=False),
)

#: docs/events.md s11: the same ``event_id`` seen again is a redelivery and has no second effect.
processed_events = Table(
    "pipeline_processed_events", metadata,
    Column("event_id", String(36), primary_key=True),
    Column("topic", String(255), nullable=False),
)

#: The last offset of each input partition whose effects are committed (tracking
#: record): a redelivered message at or below it is skipped, so even a malformed message
#: (no event id) is dead-lettered once. Also the demo's progress measure, since Tansu
#: reports end offsets short (docs/operations.md s1).
offsets = Table(
    "pipeline_offsets", metadata,
    Column("topic", String(255), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("offset", BigInteger, nullable=False),
)

#: Output records (allocations, dead letters) written in the batch's transaction and
#: produced to Kafka after the commit, then deleted (transactional outbox).
outbox = Table(
    "pipeline_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(255), nullable=False),
    Column("key", LargeBinary),
    Column("value", LargeBinary, nullable=False),
)
