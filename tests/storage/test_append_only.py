"""Clinical records are append-only in the database itself: UPDATE, DELETE and REPLACE are refused, on
SQLite and on PostgreSQL, for every append-only table and for a signed contact note."""

import hashlib
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.clock import FixedClock
from app.contact_notes import AmendmentKind, ContactMethod
from app.documents import BUNDLED_CONTACTS, NATIONAL_FILE, ReceivedFile
from app.planned_contacts import ContactPlanDraft
from app.workspace import Workspace
from storage import append_only, migrations
from storage import store as store_mod
from storage.models import APPEND_ONLY, Base, ContactNote
from storage.records import LEAD_ONLY
from tests.app.test_write_path import WRITERS
from tests.conftest import NOW, PASSPHRASE

GUARDED = (*APPEND_ONLY, "contact_note")


@pytest.fixture
def demo_dir_amended(demo_dir: Path) -> Path:
    """The demo data holds no amendment; add one so every append-only table has a row to try."""
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))
    try:
        with ws.store.sessions() as session:
            note_id = session.scalars(sa.select(ContactNote.id).where(ContactNote.signed_at.is_not(None))).first()
        assert note_id is not None
        ws.notes.amend(note_id, AmendmentKind.ADDENDUM, "later information", "an addendum")
        # A planned contact cancelled, and an increase-contact plan ended early.
        person = ws.caseload.rows()[0].person_id
        upcoming = ws.planned.for_person(person).upcoming
        ws.planned.cancel(upcoming[0].id, "a reason")
        today = NOW.date()
        plan, _ = ws.planned.increase(
            ContactPlanDraft(person, 2, today, today + timedelta(days=6), time(10), ContactMethod.PHONE, "a reason")
        )
        ws.planned.end_plan(plan.id, "a reason")
        # A document of the organisation's, as a sync would bring it.
        text = (BUNDLED_CONTACTS / NATIONAL_FILE).read_text(encoding="utf-8")
        sha = hashlib.sha256(text.encode()).hexdigest()
        assert ws.receive_documents([ReceivedFile("directory", NATIONAL_FILE, 1, sha, text)]).accepted
        # And one of each team lead's record, written as the demo team's lead.
        for record_type in sorted(LEAD_ONLY):
            WRITERS[record_type][0](ws)
    finally:
        ws.close()
    return demo_dir


@pytest.fixture
def demo_store(demo_dir_amended: Path) -> Iterator[store_mod.Store]:
    st = store_mod.open_(demo_dir_amended, PASSPHRASE)
    yield st
    st.close()


def _a_guarded_row(conn: sa.Connection, table: str) -> dict:
    t = Base.metadata.tables[table]
    query = sa.select(t).limit(1)
    if table == "contact_note":
        query = query.where(t.c.signed_at.is_not(None))
    row = conn.execute(query).mappings().first()
    assert row is not None, f"the demo data has no {table} row to try"
    return dict(row)


def _key_clause(table: str, row: dict) -> sa.ColumnElement[bool]:
    t = Base.metadata.tables[table]
    return sa.and_(*(col == row[col.name] for col in t.primary_key.columns))


@pytest.mark.parametrize("table", GUARDED)
def test_delete_of_an_append_only_row_is_refused_on_sqlite(demo_store: store_mod.Store, table: str) -> None:
    with demo_store.engine.connect() as conn:
        row = _a_guarded_row(conn, table)
    with pytest.raises(DBAPIError, match=r"append-only|immutable"), demo_store.engine.begin() as conn:
        conn.execute(Base.metadata.tables[table].delete().where(_key_clause(table, row)))
    with demo_store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(_key_clause(table, row))).scalar_one() == 1


@pytest.mark.parametrize("table", GUARDED)
def test_insert_or_replace_of_an_append_only_row_is_refused_on_sqlite(demo_store: store_mod.Store, table: str) -> None:
    with demo_store.engine.connect() as conn:
        row = _a_guarded_row(conn, table)
    t = Base.metadata.tables[table]
    text_columns = [c.name for c in t.columns if isinstance(c.type, sa.Text | sa.String) and not c.primary_key]
    changed = {**row, text_columns[-1]: "rewritten"}
    with pytest.raises(DBAPIError, match=r"append-only|immutable"), demo_store.engine.begin() as conn:
        conn.execute(t.insert().prefix_with("OR REPLACE").values(**changed))
    with demo_store.engine.connect() as conn:
        kept = conn.execute(sa.select(t).where(_key_clause(table, row))).mappings().one()
    assert dict(kept) == row


@pytest.mark.parametrize("table", GUARDED)
def test_update_of_an_append_only_row_is_refused_on_sqlite(demo_store: store_mod.Store, table: str) -> None:
    with demo_store.engine.connect() as conn:
        row = _a_guarded_row(conn, table)
    t = Base.metadata.tables[table]
    column = next(c.name for c in t.columns if isinstance(c.type, sa.Text | sa.String) and not c.primary_key)
    with pytest.raises(DBAPIError, match=r"append-only|immutable"), demo_store.engine.begin() as conn:
        conn.execute(t.update().where(_key_clause(table, row)).values({column: "rewritten"}))


def test_a_draft_note_may_still_be_discarded(demo_store: store_mod.Store) -> None:
    t = Base.metadata.tables["contact_note"]
    with demo_store.engine.begin() as conn:
        row = _a_guarded_row(conn, "contact_note")
        draft_id = row["id"].hex if hasattr(row["id"], "hex") else row["id"]
        conn.execute(t.insert().values(**{**row, "id": _other_id(draft_id), "signed_at": None}))
        deleted = conn.execute(t.delete().where(t.c.id == _other_id(draft_id)))
    assert deleted.rowcount == 1


def _other_id(value: object) -> object:
    import uuid

    return uuid.UUID(int=(uuid.UUID(str(value)).int ^ 1))


def test_an_existing_store_gets_the_missing_triggers_on_open(demo_dir: Path) -> None:
    st = store_mod.open_(demo_dir, PASSPHRASE)
    with st.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER note_amendment_no_delete")
    st.close()
    st = store_mod.open_(demo_dir, PASSPHRASE)
    try:
        with st.engine.connect() as conn:
            assert append_only.install(conn) == [], "reopening put the missing trigger back"
    finally:
        st.close()


def test_append_only_holds_on_postgresql(pg_cluster, demo_dir_amended: Path) -> None:
    """The record tables also live on the sync server's PostgreSQL: the same refusals hold there."""
    pg = sa.create_engine(pg_cluster.new_database())
    migrations.create_schema(pg)
    source = store_mod.open_(demo_dir_amended, PASSPHRASE)
    try:
        with source.engine.connect() as src, pg.begin() as dst:
            for table in Base.metadata.sorted_tables:
                if table.name == "meta":
                    continue  # the schema's own version record is already there
                rows = [dict(r) for r in src.execute(sa.select(table)).mappings()]
                if rows:
                    dst.execute(table.insert(), rows)
        with pg.connect() as conn:
            assert migrations.current_version(conn) == migrations.latest_version()
        for table in GUARDED:
            t = Base.metadata.tables[table]
            with pg.connect() as conn:
                row = _a_guarded_row(conn, table)
            column = next(c.name for c in t.columns if isinstance(c.type, sa.Text | sa.String) and not c.primary_key)
            for statement in (
                t.update().where(_key_clause(table, row)).values({column: "rewritten"}),
                t.delete().where(_key_clause(table, row)),
            ):
                with pytest.raises(DBAPIError, match=r"append-only|immutable"), pg.begin() as conn:
                    conn.execute(statement)
            if table != "contact_note":
                with pytest.raises(DBAPIError, match="append-only"), pg.begin() as conn:
                    conn.exec_driver_sql(f"TRUNCATE {table} CASCADE")
            with pg.connect() as conn:
                assert dict(conn.execute(sa.select(t).where(_key_clause(table, row))).mappings().one()) == row
    finally:
        source.close()
        pg.dispose()


def _triggers(conn: sa.Connection) -> dict[str, str]:
    return dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all())


def test_removing_a_person_from_a_device_lifts_the_triggers_only_inside_its_own_transaction(
    demo_store: store_mod.Store,
) -> None:
    with demo_store.engine.connect() as conn:
        before = _triggers(conn)
        row = _a_guarded_row(conn, "contact_note")
    table = Base.metadata.tables["contact_note"]
    # A removal that fails part-way leaves the triggers as they were (the DDL rolls back with it).
    with (
        pytest.raises(RuntimeError),
        demo_store.engine.begin() as conn,
        append_only.lifted_for_removal(conn, ("contact_note", "note_amendment")),
    ):
        raise RuntimeError("interrupted")
    with demo_store.engine.connect() as conn:
        assert _triggers(conn) == before
    amendments = Base.metadata.tables["note_amendment"]
    with demo_store.engine.begin() as conn, append_only.lifted_for_removal(conn, ("contact_note", "note_amendment")):
        conn.execute(amendments.delete().where(amendments.c.note_id == row["id"]))
        conn.execute(table.delete().where(_key_clause("contact_note", row)))
    with demo_store.engine.connect() as conn:
        assert _triggers(conn) == before
        assert conn.execute(sa.select(sa.func.count()).where(_key_clause("contact_note", row))).scalar_one() == 0
        other = _a_guarded_row(conn, "contact_note")
    with pytest.raises(DBAPIError, match="immutable"), demo_store.engine.begin() as conn:
        conn.execute(table.delete().where(_key_clause("contact_note", other)))
