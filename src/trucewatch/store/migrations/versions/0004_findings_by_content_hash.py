"""Findings are looked up by their content hash

Every run asks which of its findings the record already holds (by content hash) and at which leaf. With
no index each of those lookups read the whole findings table, which grows by a run's findings every run:
the fourth run over 99,245 observations spent about 2 s there. An index makes each a point read.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_content_hash"), ["content_hash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_content_hash"))
