"""Imported organisation configuration files (pathways, criteria, contacts directory), append-only

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_document",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", storage.types.UtcDateTime(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_org_document_kind_name", "org_document", ["kind", "name"])
    # A version once imported is evidence of what was in force: never edited or removed, only superseded.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER org_document_append_only BEFORE UPDATE OR DELETE ON org_document "
            "FOR EACH ROW EXECUTE FUNCTION waymark_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER org_document_no_{verb.lower()} BEFORE {verb} ON org_document "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table org_document: {verb} refused'); END"
            )


def downgrade() -> None:
    op.drop_table("org_document")
