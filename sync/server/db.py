"""Opening the server database: engine settings per dialect, and the schema brought to head at start."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic_core import to_json
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from sync.server import keys

MIGRATIONS = Path(__file__).with_name("migrations")
# Execution option marking an engine whose transactions only read (SQLite: a plain BEGIN, no write lock).
READ_ONLY = "waymark_read_only"


def reader(engine: Engine) -> Engine:
    return engine.execution_options(**{READ_ONLY: True})


class _NoStatementLogs(logging.Filter):
    """Statement logs at DEBUG include result rows, and rows here are clinical data."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def json_text(value: Any) -> str:
    # pydantic's serialiser: the stdlib's was a quarter of a push's time (payloads, ledger answers). The text
    # stored differs only in spacing and in not escaping non-ASCII; nothing hashes it (§1.3 hashes the values).
    return to_json(value).decode()


def open_engine(url: str) -> Engine:
    logging.getLogger("sqlalchemy.engine.Engine").addFilter(_NoStatementLogs())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            hide_parameters=True,
            json_serializer=json_text,
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Take over transaction control, so a write transaction starts with BEGIN IMMEDIATE: SQLite has
            # one writer, and taking the write lock up front avoids a deadlocked lock upgrade.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            url, hide_parameters=True, json_serializer=json_text, pool_size=10, max_overflow=20, pool_pre_ping=True
        )
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:/// or postgresql+psycopg://")


def alembic_config(engine_connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = engine_connection
    return config


def upgrade(engine: Engine, source: keys.KeySource) -> keys.Secrets:
    """Bring the schema to head and return the server's secrets (made at first start, checked against the
    database); safe to run from several processes at once on PostgreSQL."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two server processes starting together must not both create the tables.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727170)")
        command.upgrade(alembic_config(connection), "head")
        return keys.ensure(connection, source)
