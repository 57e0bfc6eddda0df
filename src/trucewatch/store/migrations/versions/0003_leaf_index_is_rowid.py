"""On SQLite the leaf index becomes the rowid

`idx BIGINT PRIMARY KEY` is not a rowid alias in SQLite, so every leaf was written twice: once into the
table's rowid B-tree and once into a separate unique index on idx. Declared INTEGER, the leaf index is the
rowid itself: one B-tree per append, and point reads for proofs go straight to the row. PostgreSQL is
unchanged.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = "idx, kind, ref, data, leaf_hash, nodes"


def _rebuild(idx_type: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"CREATE TABLE log_leaves_new (idx {idx_type} NOT NULL, kind VARCHAR(40) NOT NULL, "
        "ref VARCHAR(200) NOT NULL, data BLOB NOT NULL, leaf_hash BLOB NOT NULL, nodes BLOB, PRIMARY KEY (idx))"
    )
    op.execute(f"INSERT INTO log_leaves_new ({_COLUMNS}) SELECT {_COLUMNS} FROM log_leaves ORDER BY idx")
    op.execute("DROP TABLE log_leaves")
    op.execute("ALTER TABLE log_leaves_new RENAME TO log_leaves")


def upgrade() -> None:
    _rebuild("INTEGER")


def downgrade() -> None:
    _rebuild("BIGINT")
