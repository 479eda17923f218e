"""Break-glass grants: a duty worker's reasoned, time-limited opening of a person outside their cover

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "break_glass",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_at", storage.types.UtcDateTime(length=32), nullable=False),
        sa.Column("ends_at", storage.types.UtcDateTime(length=32), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_break_glass_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_break_glass_person_id"), ["person_id"], unique=False)
    # Written once: a grant is never shortened, lengthened or removed after the fact.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER break_glass_append_only BEFORE UPDATE OR DELETE ON break_glass "
            "FOR EACH ROW EXECUTE FUNCTION waymark_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER break_glass_no_{verb.lower()} BEFORE {verb} ON break_glass "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table break_glass: {verb} refused'); END"
            )


def downgrade() -> None:
    with op.batch_alter_table("break_glass", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_person_id"))
        batch_op.drop_index(batch_op.f("ix_break_glass_user_id"))
    op.drop_table("break_glass")
