"""Refused requests counted per source and minute instead of one audit row each

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refusal_tally",
        sa.Column("window_start", storage.types.UtcDateTime(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("device_key", sa.String(length=36), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("window_start", "source", "reason", "device_key"),
    )


def downgrade() -> None:
    op.drop_table("refusal_tally")
