"""The database-level guarantee that clinical records are append-only, on SQLite and on PostgreSQL.

Every table in ``models.APPEND_ONLY`` refuses UPDATE and DELETE; a contact note refuses both once it is
signed (a draft may still be edited or discarded). On SQLite, ``INSERT OR REPLACE`` is an implied
DELETE, which fires DELETE triggers only with ``PRAGMA recursive_triggers=ON``: the engine sets it on
every connection. On PostgreSQL, TRUNCATE is refused as well.

``install`` is idempotent and writes nothing when every trigger is already there, so it runs at every
open: a table a later schema step adds to ``APPEND_ONLY`` is covered without a step of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from storage.models import APPEND_ONLY

SIGNED_NOTE_TABLE = "contact_note"


def _sqlite_triggers(tables: tuple[str, ...]) -> dict[str, str]:
    triggers: dict[str, str] = {}
    for table in tables:
        refuse = f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
        for name, verb in (("append_only", "UPDATE"), ("no_delete", "DELETE")):
            ddl = f"CREATE TRIGGER IF NOT EXISTS {table}_{name} BEFORE {verb} ON {table} {refuse}"
            triggers[f"{table}_{name}"] = ddl
    signed = "BEGIN SELECT RAISE(ABORT, 'a signed contact note is immutable: amend it instead'); END"
    for name, verb in (("signed_immutable", "UPDATE"), ("signed_no_delete", "DELETE")):
        triggers[f"{SIGNED_NOTE_TABLE}_{name}"] = (
            f"CREATE TRIGGER IF NOT EXISTS {SIGNED_NOTE_TABLE}_{name} BEFORE {verb} ON {SIGNED_NOTE_TABLE} "
            f"WHEN OLD.signed_at IS NOT NULL {signed}"
        )
    return triggers


_POSTGRES_FUNCTIONS = (
    """
    CREATE OR REPLACE FUNCTION waymark_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' rows are append-only',
            ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION waymark_signed_note_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.signed_at IS NOT NULL THEN
            RAISE EXCEPTION 'a signed contact note is immutable: amend it instead'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END $$
    """,
)


def _postgres_triggers(tables: tuple[str, ...]) -> dict[str, str]:
    triggers: dict[str, str] = {}
    for table in tables:
        triggers[f"{table}_append_only"] = (
            f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION waymark_append_only()"
        )
        triggers[f"{table}_no_truncate"] = (
            f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION waymark_append_only()"
        )
    triggers[f"{SIGNED_NOTE_TABLE}_signed_immutable"] = (
        f"CREATE OR REPLACE TRIGGER {SIGNED_NOTE_TABLE}_signed_immutable BEFORE UPDATE OR DELETE "
        f"ON {SIGNED_NOTE_TABLE} FOR EACH ROW EXECUTE FUNCTION waymark_signed_note_immutable()"
    )
    return triggers


def install(conn: Connection, tables: tuple[str, ...] = APPEND_ONLY) -> list[str]:
    """Create whichever append-only triggers are missing; returns their names (empty: nothing written)."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        wanted = _sqlite_triggers(tables)
        present = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
    elif dialect == "postgresql":
        wanted = _postgres_triggers(tables)
        present = set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
    else:
        raise NotImplementedError(f"no append-only triggers for the {dialect} dialect")
    missing = [name for name in wanted if name not in present]
    if missing and dialect == "postgresql":
        for ddl in _POSTGRES_FUNCTIONS:
            conn.exec_driver_sql(ddl)
    for name in missing:
        conn.exec_driver_sql(wanted[name])
    return missing


@contextmanager
def lifted_for_removal(conn: Connection, tables: tuple[str, ...]) -> Iterator[None]:
    """Inside the caller's SQLite transaction, lift the triggers of ``tables`` and put them back before it
    commits. Only for taking a person's copy off a device once the server holds all of it (purge after a
    change of scope): nothing clinical is changed anywhere, a copy is removed. The DDL is part of the same
    transaction, so a failure part-way rolls the triggers back with the deletes."""
    if conn.dialect.name != "sqlite":
        raise NotImplementedError("records are removed from a device's store only")
    on_tables = set(tables)
    present = {
        name: ddl
        for name, table, ddl in conn.exec_driver_sql(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
        )
        if table in on_tables
    }
    for name in present:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for ddl in present.values():
        conn.exec_driver_sql(ddl)
