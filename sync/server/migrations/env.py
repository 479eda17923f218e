"""Alembic environment: the server runs ``upgrade head`` itself at start, on its own connection."""

from __future__ import annotations

from alembic import context

from sync.server.models import ServerBase

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=ServerBase.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
