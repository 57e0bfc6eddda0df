"""The tables. Observations, quarantine, decisions and log leaves are only ever inserted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

observations = Table(
    "observations",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(200), nullable=False, unique=True),
    Column("content_hash", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("observed_at", UTCDateTime(), nullable=False, index=True),
    Column("type", String(40), nullable=False),
    Column("source_kind", String(40), nullable=False),
    Column("supersedes", String(200), nullable=True, index=True),
    Column("source_file", String(500), nullable=False),
    Column("source_line", Integer, nullable=False),
    Column("imported_at", UTCDateTime(), nullable=False),
    Column("imported_by", String(200), nullable=False),
    Column("leaf_index", BigInteger, nullable=True),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("file", String(500), nullable=False),
    Column("line", Integer, nullable=False),
    Column("field", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("leaf_index", BigInteger, nullable=True),
)

runs = Table(
    "runs",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("agreement_digest", String(64), nullable=False),
    Column("observations", Integer, nullable=False),
    Column("incidents", Integer, nullable=False),
    Column("findings", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("run_seq", Integer, primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("start", UTCDateTime(), nullable=False, index=True),
    Column("payload", Text, nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("run_seq", Integer, primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("outcome", String(20), nullable=False),
    Column("responsible_party", String(100), nullable=True),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("payload", Text, nullable=False),
    Column("leaf_index", BigInteger, nullable=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("value", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),
    Column("leaf_index", BigInteger, nullable=True),
)

publications = Table(
    "publications",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("path", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("tree_size", BigInteger, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("leaf_index", BigInteger, nullable=True),
)

log_leaves = Table(
    "log_leaves",
    metadata,
    # INTEGER on SQLite makes the leaf index the rowid itself (one B-tree per append, not table + index)
    Column("idx", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("kind", String(40), nullable=False),
    Column("ref", String(200), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    # roots of the complete subtrees this append completed, levels 1, 2, … concatenated (32 bytes each)
    Column("nodes", LargeBinary, nullable=True),  # NULL: this append completed no subtree
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("party", String(100), nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    UniqueConstraint("name", name="uq_users_name"),
)
