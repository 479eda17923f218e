import hashlib
import json
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from app.workspace import Workspace
from storage import migrations, outbox, records
from storage import store as store_mod
from storage.engine import open_engine
from storage.errors import StoreTooNew
from storage.serialise import json_value
from tests.conftest import PASSPHRASE, TEST_KDF

V1_STORE = Path(__file__).parents[1] / "fixtures" / "store-v1"


def _open(demo_dir: Path) -> store_mod.Store:
    return store_mod.open_(demo_dir, PASSPHRASE)


def test_runner_applies_every_step_in_order(demo_dir: Path) -> None:
    st = _open(demo_dir)
    try:
        base = migrations.latest_version()
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == base
        ran: list[int] = []

        def step(version: int):
            def apply(conn) -> None:
                ran.append(version)
                conn.execute(text(f"CREATE TABLE probe_{version} (x INTEGER)"))

            return migrations.Step(version, f"probe {version}", apply)

        steps = (step(base + 2), step(base + 1), step(base + 3))  # given out of order on purpose
        assert migrations.upgrade(st.engine, steps) == [base + 1, base + 2, base + 3]
        assert ran == [base + 1, base + 2, base + 3]
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == base + 3
        assert migrations.upgrade(st.engine, steps) == [], "a second run applies nothing"
    finally:
        st.close()


def test_a_failing_step_leaves_the_store_at_the_last_good_version(demo_dir: Path) -> None:
    st = _open(demo_dir)
    try:

        def good(conn) -> None:
            conn.execute(text("CREATE TABLE probe_good (x INTEGER)"))

        def bad(conn) -> None:
            conn.execute(text("CREATE TABLE probe_bad (x INTEGER)"))
            raise RuntimeError("step failed half way")

        base = migrations.latest_version()
        steps = (migrations.Step(base + 1, "good", good), migrations.Step(base + 2, "bad", bad))
        with pytest.raises(RuntimeError):
            migrations.upgrade(st.engine, steps)
        with st.engine.connect() as conn:
            assert migrations.current_version(conn) == base + 1
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
        assert "probe_good" in names and "probe_bad" not in names
    finally:
        st.close()


def test_runner_refuses_a_store_newer_than_the_code(demo_dir: Path) -> None:
    st = _open(demo_dir)
    try:
        with st.engine.begin() as conn:
            conn.exec_driver_sql(f"PRAGMA user_version = {migrations.latest_version() + 1}")
        with pytest.raises(StoreTooNew, match="Update Waymark"):
            migrations.upgrade(st.engine)
    finally:
        st.close()


def _columns(conn: object) -> dict[str, list[tuple[str, str, int, object]]]:
    tables = [r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {
        t: sorted((c[1], c[2], c[3], c[4]) for c in conn.exec_driver_sql(f"PRAGMA table_info({t})")) for t in tables
    }


def test_a_real_version_1_store_is_upgraded_to_the_same_schema_as_a_new_one(tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(V1_STORE, old)
    st = store_mod.open_(old, PASSPHRASE)  # opening upgrades
    fresh = Workspace.create(tmp_path / "fresh", PASSPHRASE, kdf=TEST_KDF)
    try:
        with st.engine.connect() as a, fresh.store.engine.connect() as b:
            assert migrations.current_version(a) == migrations.latest_version()
            assert _columns(a) == _columns(b)
            assert a.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            kinds = a.exec_driver_sql("SELECT DISTINCT kind FROM escalation").scalars().all()
            assert kinds == ["escalation"], "escalations made before schema 2 were all worker escalations"
    finally:
        st.close()
        fresh.close()
    # The upgraded store still opens as a workspace, with every record it had.
    ws = Workspace.open(old, PASSPHRASE)
    try:
        assert len(ws.caseload.rows()) == 4
    finally:
        ws.close()


V2_STORE = Path(__file__).parents[1] / "fixtures" / "store-v2"
RECORD_TABLES = (
    "contact_note",
    "note_amendment",
    "safety_plan_revision",
    "safety_review",
    "escalation",
    "escalation_action",
    "audit_event",
    "missed_contact_episode",
)


def _v2_snapshot(data_dir: Path) -> dict[str, object]:
    """What the schema-2 store holds, read before upgrading it (the runner is held at version 2)."""
    engine = open_engine(store_mod.db_path(data_dir), store_mod.unwrap_key(data_dir, PASSPHRASE))
    try:
        with engine.connect() as conn:
            assert migrations.current_version(conn) == 2
            return {
                "outbox": conn.exec_driver_sql("SELECT seq, record_id, record_type, acked_at FROM outbox").all(),
                "escalations": conn.exec_driver_sql(
                    "SELECT id, kind, follow_up_due, follow_up_owner, closed_at, outcome FROM escalation"
                ).all(),
                "counts": {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES},
            }
    finally:
        engine.dispose()


def test_a_real_version_2_store_is_upgraded_with_nothing_lost(tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(V2_STORE, old)
    before = _v2_snapshot(old)
    assert any(e[4] is not None for e in before["escalations"]), "the fixture has a closed escalation"
    st = store_mod.open_(old, PASSPHRASE)  # opening upgrades
    fresh = Workspace.create(tmp_path / "fresh", PASSPHRASE, kdf=TEST_KDF)
    try:
        with st.engine.connect() as a, fresh.store.engine.connect() as b:
            assert migrations.current_version(a) == migrations.latest_version()
            assert _columns(a) == _columns(b)
            triggers = "SELECT name FROM sqlite_master WHERE type='trigger' ORDER BY name"
            assert a.exec_driver_sql(triggers).all() == b.exec_driver_sql(triggers).all()
            assert a.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            counts = {t: a.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in before["counts"]}
            assert counts == before["counts"], "schema-2 stores have every follow-up and closing as an event"
    finally:
        st.close()
        fresh.close()
    ws = Workspace.open(old, PASSPHRASE)
    try:
        with ws.store.sessions() as session:
            items = outbox.pending(session)
            # Every schema-2 outbox entry is now its record's change record, same order, same numbers.
            assert [(i.seq, i.record_id.hex) for i in items] == [(s, r) for s, r, _t, _a in before["outbox"]]
            renamed = {"escalation": "escalation_opened", "escalation_action": "escalation_event"}
            assert [i.record_type for i in items] == [renamed.get(t, t) for _s, _r, t, _a in before["outbox"]]
            for item in items:
                assert item.sha256 == records.sha256(outbox.wire(item))
                assert set(item.payload) == set(_golden(item.record_type)["payload"])
        # Follow-up and closing, once columns on the escalation, are read from its events unchanged.
        for esc_id, _kind, due, owner, closed_at, outcome in before["escalations"]:
            esc = ws.escalations.get(uuid.UUID(esc_id))
            assert json_value(esc.follow_up_due) == due and esc.follow_up_owner == owner
            assert json_value(esc.closed_at) == closed_at
            assert (esc.outcome.value if esc.outcome else None) == outcome
        checks = [e for p in ws.caseload.rows() for e in ws.escalations.for_person(p.person_id)]
        welfare = [e for e in checks if e.kind.value == "welfare-check"]
        assert len(welfare) == 1
        assert sum(r.open_escalations for r in ws.caseload.rows()) == sum(e.is_open for e in checks) == 2
    finally:
        ws.close()


def _golden(record_type: str) -> dict[str, object]:
    return json.loads((Path(__file__).parents[1] / "fixtures" / "records" / f"{record_type}.json").read_text())


def test_a_queued_escalation_whose_follow_up_was_only_a_column_still_sends_its_follow_up(tmp_path: Path) -> None:
    """Schema 1 kept a follow-up only on the escalation row. Had that escalation been queued, its snapshot
    carried the follow-up; after the upgrade the follow-up is an event, and it is queued too."""
    old = tmp_path / "old"
    shutil.copytree(V1_STORE, old)
    engine = open_engine(store_mod.db_path(old), store_mod.unwrap_key(old, PASSPHRASE))
    try:
        with engine.begin() as conn:
            esc_id, owner = conn.exec_driver_sql(
                "SELECT id, follow_up_owner FROM escalation WHERE follow_up_due IS NOT NULL"
            ).one()
            conn.exec_driver_sql(
                "INSERT INTO outbox (record_id, record_type, payload, enqueued_at, acked_at) "
                "VALUES (?, 'escalation', '{}', '2026-11-26T09:30:00.000000Z', NULL)",
                (esc_id,),
            )
    finally:
        engine.dispose()
    # (Read through the outbox: the v1 store's action of kind 'contact' predates today's action kinds.)
    ws = Workspace.open(old, PASSPHRASE)
    try:
        with ws.store.sessions() as session:
            items = outbox.pending(session)
        assert [i.record_type for i in items] == ["escalation_opened", "escalation_event"]
        assert items[1].payload["event"] == "follow_up_set" and items[1].payload["owner"] == owner
        assert items[1].refers_to == uuid.UUID(esc_id)
        assert items[1].sha256 == records.sha256(outbox.wire(items[1]))
    finally:
        ws.close()


V3_STORE = Path(__file__).parents[1] / "fixtures" / "store-v3"
LEAD_TABLES = ("record_review", "supervision", "learning_review", "action_update", "case_audit")


def test_a_real_version_3_store_gains_the_lead_tables_with_nothing_lost(tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(V3_STORE, old)
    engine = open_engine(store_mod.db_path(old), store_mod.unwrap_key(old, PASSPHRASE))
    try:
        with engine.connect() as conn:
            assert migrations.current_version(conn) == 3
            before = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES}
            outbox_before = conn.exec_driver_sql("SELECT seq, record_id, sha256 FROM outbox ORDER BY seq").all()
    finally:
        engine.dispose()
    st = store_mod.open_(old, PASSPHRASE)  # opening upgrades
    fresh = Workspace.create(tmp_path / "fresh", PASSPHRASE, kdf=TEST_KDF)
    try:
        with st.engine.connect() as a, fresh.store.engine.connect() as b:
            assert migrations.current_version(a) == migrations.latest_version()
            assert _columns(a) == _columns(b)
            for query in (
                "SELECT name FROM sqlite_master WHERE type='trigger' ORDER BY name",
                "SELECT name FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            ):
                assert a.exec_driver_sql(query).all() == b.exec_driver_sql(query).all()
            assert {t: a.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES} == before
            assert a.exec_driver_sql("SELECT seq, record_id, sha256 FROM outbox ORDER BY seq").all() == outbox_before
            for table in LEAD_TABLES:
                assert a.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() == 0
                # Append-only from the first row on.
                assert (
                    a.exec_driver_sql(
                        f"SELECT count(*) FROM sqlite_master WHERE type='trigger' AND tbl_name='{table}'"
                    ).scalar_one()
                    == 2
                )
    finally:
        st.close()
        fresh.close()


V4_STORE = Path(__file__).parents[1] / "fixtures" / "store-v4"


def test_a_real_version_4_store_gains_form_drafts_with_nothing_lost(tmp_path: Path) -> None:
    from app.form_drafts import FormKind

    old = tmp_path / "old"
    shutil.copytree(V4_STORE, old)
    engine = open_engine(store_mod.db_path(old), store_mod.unwrap_key(old, PASSPHRASE))
    try:
        with engine.connect() as conn:
            assert migrations.current_version(conn) == 4
            before = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES}
    finally:
        engine.dispose()
    ws = Workspace.open(old, PASSPHRASE)  # opening upgrades
    fresh = Workspace.create(tmp_path / "fresh", PASSPHRASE, kdf=TEST_KDF)
    try:
        with ws.store.engine.connect() as a, fresh.store.engine.connect() as b:
            assert migrations.current_version(a) == migrations.latest_version()
            assert _columns(a) == _columns(b)
            indexes = "SELECT name FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            assert a.exec_driver_sql(indexes).all() == b.exec_driver_sql(indexes).all()
            after = {t: a.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES}
            assert after.pop("audit_event") == before.pop("audit_event") + 1, "only opening it was audited"
            assert after == before
        person = ws.caseload.rows()[0].person_id
        kept = ws.forms.keep(FormKind.SAFETY_REVIEW, person, {"what_changed": "Moved flat"})
        assert ws.forms.get(FormKind.SAFETY_REVIEW, person) == kept
        assert len(ws.drafts.for_person(person)) == 1, "the unsigned note draft is still there"
        # Its plan's second revision was written when who was present was a line of the summary.
        revision = ws.plans.current(person)
        assert revision is not None and revision.present == "the person, their sister Amy"
        assert "Present:" not in revision.change_summary and revision.change_summary.startswith("Added the allotment")
    finally:
        ws.close()
        fresh.close()


# A second schema-4 store, made with planned contacts (some met by notes) by the same code as V4_STORE.
V4_PLANNED_STORE = Path(__file__).parents[1] / "fixtures" / "store-v4-planned"


def test_a_real_version_4_store_keeps_every_planned_contact_as_a_change_record(tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(V4_PLANNED_STORE, old)
    engine = open_engine(store_mod.db_path(old), store_mod.unwrap_key(old, PASSPHRASE))
    try:
        with engine.connect() as conn:
            assert migrations.current_version(conn) == 4
            planned = conn.exec_driver_sql(
                "SELECT id, person_id, staff_id, due_at, method, created_at FROM planned_contact ORDER BY id"
            ).all()
            links = conn.exec_driver_sql(
                "SELECT id, planned_contact_id FROM contact_note WHERE planned_contact_id IS NOT NULL ORDER BY id"
            ).all()
            outbox_before = conn.exec_driver_sql("SELECT seq, record_id, sha256 FROM outbox ORDER BY seq").all()
    finally:
        engine.dispose()
    assert planned and links, "the fixture has planned contacts, some met by notes"
    st = store_mod.open_(old, PASSPHRASE)  # opening upgrades
    fresh = Workspace.create(tmp_path / "fresh", PASSPHRASE, kdf=TEST_KDF)
    try:
        with st.engine.connect() as a, fresh.store.engine.connect() as b:
            assert migrations.current_version(a) == migrations.latest_version()
            assert _columns(a) == _columns(b)
            triggers = "SELECT name FROM sqlite_master WHERE type='trigger' ORDER BY name"
            assert a.exec_driver_sql(triggers).all() == b.exec_driver_sql(triggers).all()
            assert a.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert a.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1, "keys are back on after the rebuild"
            # contact_note still points at planned_contact, not at the copy the rebuild dropped.
            note_ddl = a.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'contact_note'").scalar_one()
            assert "REFERENCES planned_contact (id)" in note_ddl
            after = a.exec_driver_sql(
                "SELECT id, person_id, staff_id, due_at, method, created_at, author_id, device_id, window_end, "
                "with_whom, purpose, contact_plan_id FROM planned_contact ORDER BY id"
            ).all()
            assert [tuple(r[:6]) for r in after] == [tuple(r) for r in planned], "every planned contact, unchanged"
            for row in after:
                # They came with the organisation's data: planned for their worker, on no device of ours.
                assert row[6] == row[2] and row[7] == uuid.UUID(int=0).hex
                assert row[8:] == (None, "", "", None)
            assert (
                a.exec_driver_sql(
                    "SELECT id, planned_contact_id FROM contact_note WHERE planned_contact_id IS NOT NULL ORDER BY id"
                ).all()
                == links
            )
            assert a.exec_driver_sql("SELECT seq, record_id, sha256 FROM outbox ORDER BY seq").all() == outbox_before
    finally:
        st.close()
        fresh.close()
    ws = Workspace.open(old, PASSPHRASE)
    try:
        rows = ws.caseload.rows()
        assert len(rows) == 4
        assert sum(1 for r in rows if r.next_planned_at is not None or r.overdue_actions) == 4
    finally:
        ws.close()


# A schema-7 store made by the code before schema 8 (the organisation's documents received by sync).
V7_STORE = Path(__file__).parents[1] / "fixtures" / "store-v7"


def test_a_real_version_7_store_gains_received_documents_with_nothing_lost(tmp_path: Path) -> None:
    from app.documents import ReceivedFile

    old = tmp_path / "old"
    shutil.copytree(V7_STORE, old)
    engine = open_engine(store_mod.db_path(old), store_mod.unwrap_key(old, PASSPHRASE))
    try:
        with engine.connect() as conn:
            assert migrations.current_version(conn) == 7
            before = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES}
            escalations = conn.exec_driver_sql("SELECT id, pathway_id, versions FROM escalation ORDER BY id").all()
    finally:
        engine.dispose()
    assert escalations, "the fixture holds escalations started on the built-in pathways"
    ws = Workspace.open(old, PASSPHRASE)  # opening upgrades
    fresh = Workspace.create(tmp_path / "fresh", PASSPHRASE, kdf=TEST_KDF)
    try:
        with ws.store.engine.connect() as a, fresh.store.engine.connect() as b:
            assert migrations.current_version(a) == migrations.latest_version()
            assert _columns(a) == _columns(b)
            for query in (
                "SELECT name FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                "SELECT name FROM sqlite_master WHERE type='trigger' ORDER BY name",
            ):
                assert a.exec_driver_sql(query).all() == b.exec_driver_sql(query).all()
            after = {t: a.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES}
            assert after.pop("audit_event") == before.pop("audit_event") + 1, "only opening it was audited"
            assert after == before
            assert a.exec_driver_sql("SELECT id, pathway_id, versions FROM escalation ORDER BY id").all() == escalations
        assert ws.config is not None and ws.config.received == frozenset(), "built-in documents until some arrive"
        # The new table takes a received document, and keeps it append-only like the records.
        text = (Path(__file__).parents[2] / "resources" / "contacts" / "demo-local.toml").read_text(encoding="utf-8")
        checked = ws.receive_documents(
            [ReceivedFile("directory", "demo-local.toml", 1, hashlib.sha256(text.encode()).hexdigest(), text)]
        )
        assert checked.accepted and not checked.refused
        assert [d.name for d in ws.received_documents()] == ["demo-local.toml"]
        with ws.store.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
            conn.exec_driver_sql("UPDATE received_document SET text = ''")
        for row in escalations:
            assert ws.escalations.get(uuid.UUID(row[0])).pathway.ref == row[1]
    finally:
        ws.close()
        fresh.close()


V8_STORE = Path(__file__).parents[1] / "fixtures" / "store-v8"


def test_a_real_version_8_store_lets_a_form_draft_belong_to_the_team_with_nothing_lost(tmp_path: Path) -> None:
    from app.form_drafts import FormKind

    old = tmp_path / "old"
    shutil.copytree(V8_STORE, old)
    engine = open_engine(store_mod.db_path(old), store_mod.unwrap_key(old, PASSPHRASE))
    try:
        with engine.connect() as conn:
            assert migrations.current_version(conn) == 8
            before = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES}
            drafts = conn.exec_driver_sql("SELECT * FROM form_draft ORDER BY id").all()
            notnull = {r[1]: r[3] for r in conn.exec_driver_sql("PRAGMA table_info(form_draft)")}
    finally:
        engine.dispose()
    assert len(drafts) == 1 and notnull["person_id"] == 1, "the fixture keeps one worker's form, person required"
    ws = Workspace.open(old, PASSPHRASE)  # opening upgrades
    fresh = Workspace.create(tmp_path / "fresh", PASSPHRASE, kdf=TEST_KDF)
    try:
        with ws.store.engine.connect() as a, fresh.store.engine.connect() as b:
            assert migrations.current_version(a) == migrations.latest_version()
            assert _columns(a) == _columns(b)
            for query in (
                "SELECT name FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                "SELECT name FROM sqlite_master WHERE type='trigger' ORDER BY name",
            ):
                assert a.exec_driver_sql(query).all() == b.exec_driver_sql(query).all()
            after = {t: a.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in RECORD_TABLES}
            assert after.pop("audit_event") == before.pop("audit_event") + 1, "only opening it was audited"
            assert after == before
            assert a.exec_driver_sql("SELECT * FROM form_draft ORDER BY id").all() == drafts, "kept as it was"
            assert a.exec_driver_sql("PRAGMA foreign_key_list(form_draft)").first() is not None, "still a link"
        [kept] = ws.forms.for_person(uuid.UUID(str(drafts[0][2])))
        assert kept.kind is FormKind.SAFETY_REVIEW and kept.fields == {"what_changed": "Lost their job this week"}
        # A lead's form, about the team: kept with no person, and found again.
        form = uuid.uuid4()
        ws.forms.keep(FormKind.SUPERVISION, None, {"rationale": "Agreed not to escalate"}, form, at_lock=True)
        [team] = ws.forms.for_team()
        assert (team.kind, team.person_id, team.subject_id) == (FormKind.SUPERVISION, None, form)
        assert team.kept_at_lock
        ws.forms.discard(FormKind.SUPERVISION, None, form)
        assert ws.forms.for_team() == []
    finally:
        ws.close()
        fresh.close()


V9_STORE = Path(__file__).parents[1] / "fixtures" / "store-v9"


def test_a_real_version_9_store_asks_a_kept_drafts_home_visit_and_seen_again_with_nothing_else_changed(
    tmp_path: Path,
) -> None:
    """The note form once chose "home visit" and "seen" by itself, and a draft kept with it untouched reopened
    looking chosen (HAZ-34): those two become "not chosen yet"; every other choice, each draft's text and every
    signed note stay exactly as they were."""
    from app.contact_notes import ContactMethod, Outcome

    old = tmp_path / "old"
    shutil.copytree(V9_STORE, old)
    engine = open_engine(store_mod.db_path(old), store_mod.unwrap_key(old, PASSPHRASE))
    try:
        with engine.connect() as conn:
            assert migrations.current_version(conn) == 9
            signed = conn.exec_driver_sql("SELECT * FROM contact_note WHERE signed_at IS NOT NULL ORDER BY id").all()
            kept = conn.exec_driver_sql(
                "SELECT narrative, method, outcome FROM contact_note WHERE signed_at IS NULL ORDER BY contact_start"
            ).all()
    finally:
        engine.dispose()
    assert any(row.method == "home_visit" and row.outcome == "seen" for row in signed), "the fixture has such notes"
    assert [(m, o) for _, m, o in kept] == [
        ("home_visit", "seen"),
        ("phone", "no_answer"),
        ("home_visit", "no_answer"),
        ("", ""),
    ]
    ws = Workspace.open(old, PASSPHRASE)  # opening upgrades
    try:
        with ws.store.engine.connect() as conn:
            assert migrations.current_version(conn) == 10
            assert conn.exec_driver_sql("SELECT * FROM contact_note WHERE signed_at IS NOT NULL ORDER BY id").all() == (
                signed
            )
        person = ws.caseload.rows()[0].person_id
        drafts = sorted(ws.drafts.for_person(person), key=lambda d: d.contact_start)
        assert [(d.narrative, d.method, d.outcome) for d in drafts] == [
            (kept[0][0], None, None),
            (kept[1][0], ContactMethod.PHONE, Outcome.NO_ANSWER),
            (kept[2][0], None, Outcome.NO_ANSWER),
            (kept[3][0], None, None),
        ]
        # The two whose choices were cleared are the ones the note form says so of.
        assert [ws.drafts.asked_again(d.id) for d in drafts] == [True, False, True, False]
    finally:
        ws.close()
