"""Device tokens lapse: when each was last renewed (enrolment, then use)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("token_renewed_at", storage.types.UtcDateTime(length=32), nullable=True))
    # Devices enrolled before tokens lapsed count from their last contact, so none is cut off by the upgrade
    # that was in touch within a token's lifetime.
    op.execute("UPDATE device SET token_renewed_at = COALESCE(last_seen_at, enrolled_at)")


def downgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.drop_column("token_renewed_at")
