"""Refused break-glass attempts: listed to the team lead beside the grants, and counted (with the grants) by
the break-glass rate limit

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "break_glass_refusal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("at", storage.types.UtcDateTime(length=32), nullable=False),
        sa.Column("refusal", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("break_glass_refusal", schema=None) as batch_op:
        batch_op.create_index("ix_break_glass_refusal_user_at", ["user_id", "at"], unique=False)
        batch_op.create_index("ix_break_glass_refusal_device_at", ["device_id", "at"], unique=False)
    # Written once, as the grants are: a refused attempt the lead should see cannot be tidied away.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER break_glass_refusal_append_only BEFORE UPDATE OR DELETE ON break_glass_refusal "
            "FOR EACH ROW EXECUTE FUNCTION waymark_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER break_glass_refusal_no_{verb.lower()} BEFORE {verb} ON break_glass_refusal "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table break_glass_refusal: {verb} refused'); END"
            )


def downgrade() -> None:
    with op.batch_alter_table("break_glass_refusal", schema=None) as batch_op:
        batch_op.drop_index("ix_break_glass_refusal_device_at")
        batch_op.drop_index("ix_break_glass_refusal_user_at")
    op.drop_table("break_glass_refusal")
