"""Inserting many rows of one table in one go, for the rows a push writes beside each record.

A push stores each record with SQLAlchemy's Core INSERT, as the benchmark's floor does; its change-feed row and
its ledger row go through here. SQLAlchemy's executemany builds and converts every parameter of every row
(most of them the same for the whole batch: the organisation, the time, the entity), and on PostgreSQL psycopg
then sends one statement execution per row; both were a large part of a push (tests/bench/sync_server.py).
Here each column's values are converted with the column type's own bind conversion, once per run of equal
values, and PostgreSQL gets one statement for the whole batch (``unnest`` of one array per column).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from sync.server.db import json_text


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (each naming every column of ``table``) within the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = list(table.columns)
    values = [_converted(column, dialect, rows) for column in columns]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(column.name) for column in columns)
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql":
        # %b: the arrays go in psycopg's binary format; in the text format each element of a text array is
        # escaped with regular expressions, which cost more than the rest of the insert.
        arrays = ", ".join(f"%b::{column.type.compile(dialect=dialect)}[]" for column in columns)
        with connection.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(f"INSERT INTO {target} ({names}) SELECT * FROM unnest({arrays})", values)
    else:
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})", list(zip(*values, strict=True)))


def _converted(column: Column[Any], dialect: Dialect, rows: list[dict[str, Any]]) -> list[Any]:
    process = _bind(column, dialect)
    key = column.key
    if process is None:
        return [row[key] for row in rows]
    out: list[Any] = []
    last: Any = _UNSEEN
    done: Any = None
    for row in rows:
        value = row[key]
        # The same object as the row before (one organisation, one time, one person for many rows) is
        # converted once.
        if value is not last:
            last, done = value, process(value)
        out.append(done)
    return out


_UNSEEN = object()


def _bind(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    if isinstance(column.type, JSON):
        # As text, with the engine's own serialiser (db.open_engine): SQLite stores exactly this, and PostgreSQL's
        # json type keeps the text it is given, as it does from SQLAlchemy's own insert.
        return json_text
    return column.type.bind_processor(dialect)  # type: ignore[no-any-return]
