"""The one place where database connections are opened and configured."""

from __future__ import annotations

import enum
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from storage.errors import DatabaseDamaged, EncryptionUnavailable

SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"


class _NoStatementLogs(logging.Filter):
    """SQLAlchemy logs result rows at DEBUG, whatever ``hide_parameters`` says; rows are clinical data."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def _silence_statement_logging() -> None:
    engine_logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _NoStatementLogs) for f in engine_logger.filters):
        engine_logger.addFilter(_NoStatementLogs())


class Codec(enum.Enum):
    SQLCIPHER = "sqlcipher"
    # Only for the benchmark that measures what encryption costs; never used for a real store.
    PLAINTEXT_FOR_BENCHMARK = "plaintext"


_UNREADABLE = (
    "The Waymark database could not be read: it is damaged or was altered. "
    "Nothing has been changed. Contact support before recording anything else on this laptop."
)


def _module(codec: Codec) -> Any:
    return sqlcipher3 if codec is Codec.SQLCIPHER else sqlite3


def _keyed(conn: Any, key: bytes | None, codec: Codec) -> None:
    if codec is not Codec.SQLCIPHER:
        return
    if key is None or len(key) != 32:
        raise ValueError("SQLCipher needs a 32-byte raw key")
    # SQLCipher writes its own errors to stderr; ours are reported to the user instead.
    conn.execute("PRAGMA cipher_log_level = NONE")
    # The key travels in a PRAGMA on a connect hook, never in a URL (URLs get logged).
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    version = conn.execute("PRAGMA cipher_version").fetchone()
    if not version or not str(version[0]).startswith("4."):
        raise EncryptionUnavailable(
            "This copy of Waymark cannot encrypt its data (SQLCipher 4 is missing), "
            "so it will not store anything. Reinstall Waymark."
        )


def connect_read_only(db_path: Path, key: bytes | None, codec: Codec = Codec.SQLCIPHER) -> Any:
    """A raw connection that cannot change the database file: the checks on open run on it, so a
    refused open leaves the files as they were (no WAL merged, no empty file grown, no header written).
    """
    module = _module(codec)
    conn = module.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        _keyed(conn, key, codec)
        conn.execute("PRAGMA query_only=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError as exc:
        conn.close()
        raise DatabaseDamaged(_UNREADABLE) from exc
    return conn


# An execution option a session sets on its connection before the transaction begins: this transaction
# only reads (storage.unit_of_work.UnitOfWork.read).
READ_ONLY_TRANSACTION = "waymark_read_only_transaction"


def open_engine(
    db_path: Path, key: bytes | None, codec: Codec = Codec.SQLCIPHER, read_only: threading.Event | None = None
) -> Engine:
    """Engine over ``db_path``; with SQLCipher the raw 256-bit ``key`` is applied before anything else.

    While ``read_only`` is set, every new connection refuses writes (a store found to be missing
    records is kept as it is for support).
    """
    if codec is Codec.SQLCIPHER and (key is None or len(key) != 32):
        raise ValueError("SQLCipher needs a 32-byte raw key")
    _silence_statement_logging()
    module = _module(codec)

    def connect() -> Any:
        frozen = read_only is not None and read_only.is_set()
        if frozen:
            # A read-only connection never checkpoints, so the WAL and database stay as they were
            # found for support, however often the store is opened and closed.
            conn = module.connect(
                f"{db_path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
            )
        else:
            conn = module.connect(str(db_path), check_same_thread=False, isolation_level=None)
        try:
            _keyed(conn, key, codec)
            # Reading the schema is the first thing that touches a page: a wrong key or a
            # damaged file shows up here, before any pragma writes to disk.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if frozen:
                conn.execute("PRAGMA query_only=ON")
            else:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a Save that returned is on disk
            conn.execute("PRAGMA foreign_keys=ON")
            # INSERT OR REPLACE deletes the row it replaces; only with this on do the append-only
            # tables' DELETE triggers see that delete and refuse it.
            conn.execute("PRAGMA recursive_triggers=ON")
            conn.execute("PRAGMA temp_store=MEMORY")  # temp files would hold plaintext otherwise
        except module.DatabaseError as exc:
            conn.close()
            raise DatabaseDamaged(_UNREADABLE) from exc
        except Exception:
            conn.close()
            raise
        return conn

    engine = create_engine(
        "sqlite://",
        creator=connect,
        # The DBAPI module decides which driver exceptions SQLAlchemy recognises and wraps.
        module=module,
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=4,
        hide_parameters=True,
        echo=False,
    )

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # The driver runs in autocommit mode so SQLAlchemy alone decides where a transaction starts;
        # IMMEDIATE takes the write lock up front so two writers never deadlock mid-transaction.
        # A read-only store takes no write lock (query_only refuses BEGIN IMMEDIATE), and neither does a
        # transaction that only reads: in WAL mode it reads a snapshot while a writer works.
        deferred = (read_only is not None and read_only.is_set()) or connection.get_execution_options().get(
            READ_ONLY_TRANSACTION, False
        )
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    return engine


def verify_encrypted(engine: Engine, db_path: Path) -> None:
    """Startup self-test: the file on disk must not be readable as plain SQLite."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        version = raw.execute("PRAGMA cipher_version").fetchone()
        options = {row[0] for row in raw.execute("PRAGMA compile_options").fetchall()}
    if not version or "HAS_CODEC" not in options:
        raise EncryptionUnavailable(
            "This copy of Waymark cannot encrypt its data, so it will not store anything. Reinstall Waymark."
        )
    if not ({"TEMP_STORE=2", "TEMP_STORE=3"} & options):
        raise EncryptionUnavailable(
            "This copy of Waymark could write unencrypted temporary files, so it will not run. Reinstall Waymark."
        )
    with db_path.open("rb") as fh:
        if fh.read(16) == SQLITE_PLAIN_HEADER:
            raise EncryptionUnavailable(
                "The Waymark database on this laptop is not encrypted. Waymark has stopped so that nothing "
                "more is written to it. Contact support."
            )
