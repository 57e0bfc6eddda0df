"""Subtree hashes ride on the leaf rows

Each leaf row now carries the roots of the complete subtrees its append completed (levels 1 and up,
concatenated), instead of one row per node in log_nodes: half the rows per append, the same O(log n)
point reads for proofs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log_leaves") as batch:
        batch.add_column(sa.Column("nodes", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT idx, leaf_hash FROM log_leaves ORDER BY idx")).fetchall()
    if rows:
        from trucewatch.record.hashing import node_hash

        levels: list[list[bytes]] = [[]]
        for idx, h in rows:
            levels[0].append(bytes(h))
            blob, level, i = b"", 0, idx
            while i % 2 == 1:
                parent = node_hash(levels[level][i - 1], levels[level][i])
                level, i = level + 1, i // 2
                if len(levels) <= level:
                    levels.append([])
                levels[level].append(parent)
                blob += parent
            if blob:
                conn.execute(sa.text("UPDATE log_leaves SET nodes = :b WHERE idx = :i"), {"b": blob, "i": idx})
    op.drop_table("log_nodes")


def downgrade() -> None:
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )
    with op.batch_alter_table("log_leaves") as batch:
        batch.drop_column("nodes")
