"""A quarantine quota per device: each quarantined envelope's size, and the device's over-quota flag

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("quarantine_full_at", storage.types.UtcDateTime(length=32), nullable=True))
        batch.add_column(sa.Column("quarantine_reviewed_at", storage.types.UtcDateTime(length=32), nullable=True))
    # Adding a nullable column rewrites no row, so the append-only triggers are not involved.
    op.add_column("quarantine", sa.Column("size", sa.BigInteger(), nullable=True))
    op.create_index("ix_quarantine_device", "quarantine", ["device_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_quarantine_device", "quarantine")
    op.drop_column("quarantine", "size")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("quarantine_reviewed_at")
        batch.drop_column("quarantine_full_at")
