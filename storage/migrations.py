"""Schema versions, kept in the ``meta`` table (key ``schema_version``) so the record is the same on SQLite
and PostgreSQL.

Stores written before that record existed kept their version in SQLite's ``PRAGMA user_version``; it is
still read (the higher of the two wins) and still written on SQLite, so an older copy of Waymark keeps
refusing a store that is newer than it knows.

A new store is created at the latest version from the models. An older store is brought forward by
running each step after its version, in order, each in its own transaction with the version bump.
When a step is added, a real store file of the version before it is committed under
``tests/fixtures/`` and a test upgrades it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from storage import append_only, outbox, records
from storage.errors import StoreError, StoreTooNew
from storage.models import (
    ActionUpdate,
    Base,
    CaseAudit,
    ContactPlan,
    ContactPlanChange,
    EscalationAction,
    FormDraft,
    LearningReview,
    Meta,
    OutboxItem,
    PlannedContact,
    PlannedContactChange,
    ReceivedDocument,
    RecordReview,
    Supervision,
)
from storage.types import UtcDateTime

VERSION_KEY = "schema_version"
# The note drafts whose method and outcome schema 10 made "not chosen" (a JSON list of their ids).
DRAFTS_ASKED_AGAIN_KEY = "note_drafts_asked_again"


@dataclass(frozen=True, slots=True)
class Step:
    version: int  # the version the store is at once this step has run
    description: str
    apply: Callable[[Connection], None]
    # SQLite rebuilds a table only with foreign keys off (a DROP of the old copy would trip them); the
    # runner checks every key before the step commits, so nothing dangling is ever kept.
    rebuilds_tables: bool = False


def _welfare_check_escalations(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE escalation ADD COLUMN kind VARCHAR(24) DEFAULT 'escalation' NOT NULL")
    conn.exec_driver_sql(
        "ALTER TABLE missed_contact_episode ADD COLUMN escalation_id CHAR(32) REFERENCES escalation (id)"
    )
    conn.exec_driver_sql("ALTER TABLE escalation_action ADD COLUMN reached BOOLEAN DEFAULT '0' NOT NULL")
    conn.exec_driver_sql("ALTER TABLE escalation_action ADD COLUMN due VARCHAR(32)")


def _change_records(conn: Connection) -> None:
    """Escalations become immutable (follow-up and closing live only in their events) and the outbox
    becomes a change log: each schema-2 entry, a snapshot of a row, becomes that record's envelope."""
    # This step reads rows through today's models, so columns added by later steps must exist already.
    _plan_revision_present(conn)
    synthesised = _events_from_columns(conn)
    conn.exec_driver_sql("ALTER TABLE escalation ADD COLUMN cause JSON DEFAULT '[]' NOT NULL")
    _welfare_check_causes(conn)
    for column in ("follow_up_due", "follow_up_owner", "closed_at", "outcome"):
        conn.exec_driver_sql(f"ALTER TABLE escalation DROP COLUMN {column}")
    conn.exec_driver_sql(
        "CREATE TRIGGER escalation_append_only BEFORE UPDATE ON escalation "
        "BEGIN SELECT RAISE(ABORT, 'escalation rows are append-only'); END"
    )

    conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_v2")
    OutboxItem.__table__.create(conn)
    by_table = {spec.model.__tablename__: spec.model for spec in records.TYPES.values()}
    with Session(bind=conn) as session:
        for seq, table, record_id, enqueued_at, acked_at in conn.exec_driver_sql(
            "SELECT seq, record_type, record_id, enqueued_at, acked_at FROM outbox_v2 ORDER BY seq"
        ).all():
            row = session.get(by_table[table], uuid.UUID(record_id))
            if row is None:
                raise StoreError("An outbox entry refers to a record that is missing; the upgrade changed nothing.")
            at = UtcDateTime().process_result_value(enqueued_at, None)
            assert at is not None
            item = outbox.add_envelope(session, records.envelope(row), at)
            item.seq = seq
            item.acked_at = UtcDateTime().process_result_value(acked_at, None)
        session.flush()
        # An escalation that was already queued must not reach the server without the follow-up or
        # closing its schema-2 snapshot carried: those events join the log after everything else.
        queued = set(session.scalars(select(OutboxItem.record_id)))
        for event_id in synthesised:
            event = session.get(EscalationAction, event_id)
            if event is not None and event.escalation_id in queued:
                assert event.created_at is not None
                outbox.add_envelope(session, records.envelope(event), event.created_at)
        session.flush()
    conn.exec_driver_sql("DROP TABLE outbox_v2")


def _events_from_columns(conn: Connection) -> list[uuid.UUID]:
    """Schema 2 writes a follow-up or a closing as an event and on the escalation row; schema 1 wrote
    only the row. Before the columns go, any of them with no event becomes one, so nothing is lost. Its
    own time was never stored: the latest time known for the escalation stands in, keeping the order."""
    rows = conn.exec_driver_sql(
        "SELECT e.id, e.person_id, e.author_id, e.device_id, e.follow_up_due, e.follow_up_owner, e.closed_at, "
        "e.outcome, max(coalesce(max(a.created_at), e.created_at), e.created_at), "
        "(SELECT a2.node_id FROM escalation_action a2 WHERE a2.escalation_id = e.id "
        " ORDER BY a2.created_at DESC, a2.id DESC LIMIT 1), "
        "sum(a.kind = 'follow_up'), sum(a.kind = 'closed') "
        "FROM escalation e LEFT JOIN escalation_action a ON a.escalation_id = e.id GROUP BY e.id"
    ).all()
    made: list[uuid.UUID] = []
    for esc_id, person, author, device, due, owner, closed_at, outcome, latest, node, followed, closed in rows:
        events = []
        if due is not None and not followed:
            events.append(("follow_up", latest, {"contact_reached": owner, "due": due}))
        if closed_at is not None and not closed:
            events.append(("closed", closed_at, {"outcome": outcome}))
        for kind, at, values in events:
            record_id = uuid.uuid5(records.WAYMARK_NAMESPACE, f"schema-3-{kind}:{esc_id}")
            conn.exec_driver_sql(
                "INSERT INTO escalation_action (id, escalation_id, person_id, author_id, device_id, created_at, at, "
                "node_id, kind, contact_reached, due, outcome, reached) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    record_id.hex, esc_id, person, author, device, at, at, node or "", kind,
                    values.get("contact_reached"), values.get("due"), values.get("outcome"),
                ),
            )  # fmt: skip
            made.append(record_id)
    return made


def _welfare_check_causes(conn: Connection) -> None:
    """A schema-2 welfare check's cause: its episode's misses up to the one that raised it."""
    rows = conn.exec_driver_sql(
        "SELECT e.id, e.identified_at, m.missed_note_ids FROM escalation e "
        "JOIN missed_contact_episode m ON m.escalation_id = e.id WHERE e.kind = 'welfare-check'"
    ).all()
    for escalation_id, identified_at, missed in rows:
        cause = [
            note_id
            for note_id in json.loads(missed)
            if conn.exec_driver_sql(
                "SELECT contact_end FROM contact_note WHERE id = ?", (uuid.UUID(note_id).hex,)
            ).scalar_one()
            <= identified_at
        ]
        conn.exec_driver_sql("UPDATE escalation SET cause = ? WHERE id = ?", (json.dumps(cause), escalation_id))


def _lead_records(conn: Connection) -> None:
    """A team lead's records: reviews, supervision, learning reviews, action updates and case audits. New
    tables only (created as the models declare them); their append-only triggers come with ``install``."""
    for model in (RecordReview, Supervision, LearningReview, ActionUpdate, CaseAudit):
        model.__table__.create(conn)  # type: ignore[attr-defined]  # with its indexes


def _planned_contact_records(conn: Connection) -> None:
    """Planned contacts become change records: each names its author and device, may be a window, says
    with whom and what for, and may belong to an increase-contact plan; changes to them are records too.

    Rows from before came with the organisation's data: their author is the worker they were planned for
    and their device the nil UUID (none of this device's making). SQLite cannot add a NOT NULL column
    without a default, so the table is rebuilt, with foreign keys off and ``legacy_alter_table`` on: a
    plain rename would repoint ``contact_note``'s key at the old copy."""
    ContactPlan.__table__.create(conn)
    ContactPlanChange.__table__.create(conn)
    conn.exec_driver_sql("PRAGMA legacy_alter_table = ON")
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_planned_person_due")
    conn.exec_driver_sql("ALTER TABLE planned_contact RENAME TO planned_contact_v4")
    PlannedContact.__table__.create(conn)
    conn.exec_driver_sql(
        "INSERT INTO planned_contact (id, person_id, staff_id, due_at, method, created_at, author_id, device_id, "
        "window_end, with_whom, purpose, contact_plan_id) "
        "SELECT id, person_id, staff_id, due_at, method, created_at, staff_id, ?, NULL, '', '', NULL "
        "FROM planned_contact_v4",
        (uuid.UUID(int=0).hex,),
    )
    conn.exec_driver_sql("DROP TABLE planned_contact_v4")
    conn.exec_driver_sql("PRAGMA legacy_alter_table = OFF")
    PlannedContactChange.__table__.create(conn)


def _form_drafts(conn: Connection) -> None:
    """Forms being typed (review, plan, escalation start, amendment) are kept so a lock loses nothing."""
    FormDraft.__table__.create(conn)  # with its index


def _received_documents(conn: Connection) -> None:
    """The organisation's pathways and contacts directory as sync delivers them: a new table only (its
    append-only triggers come with ``install``)."""
    ReceivedDocument.__table__.create(conn)  # type: ignore[attr-defined]  # with its index


def _plan_revision_present(conn: Connection) -> None:
    """Who was present at a plan's writing becomes a field. Older revisions keep it inside change_summary
    (append-only rows are never rewritten): readers take it from there (records.split_present)."""
    columns = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(safety_plan_revision)")}
    if "present" not in columns:  # step 3 may have added it already (it reads rows through today's models)
        conn.exec_driver_sql("ALTER TABLE safety_plan_revision ADD COLUMN present TEXT")


def _team_form_drafts(conn: Connection) -> None:
    """A form draft may belong to no one person: a team lead's supervision, learning review or case audit is
    kept at a lock like a worker's form, before a person is chosen or naming several. SQLite cannot drop a
    NOT NULL, so the table is rebuilt (foreign keys off; ``legacy_alter_table`` on, as in step 7), every
    kept draft copied across as it was."""
    conn.exec_driver_sql("PRAGMA legacy_alter_table = ON")
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_form_draft_person")
    conn.exec_driver_sql("ALTER TABLE form_draft RENAME TO form_draft_v8")
    FormDraft.__table__.create(conn)  # with its index
    conn.exec_driver_sql(
        "INSERT INTO form_draft (id, kind, person_id, subject_id, fields, started_at, updated_at, kept_at_lock) "
        "SELECT id, kind, person_id, subject_id, fields, started_at, updated_at, kept_at_lock FROM form_draft_v8"
    )
    conn.exec_driver_sql("DROP TABLE form_draft_v8")
    conn.exec_driver_sql("PRAGMA legacy_alter_table = OFF")


def _draft_choices_asked_again(conn: Connection) -> None:
    """Until the note form stopped choosing for the worker (HAZ-34), a draft kept with the form untouched held
    "home visit" and "seen" as if chosen, and reopened looking chosen: signed unread, that is a visit where the
    person was seen, no missed contact counted and no welfare check raised. Nothing tells those from a worker's
    own choice, so a kept draft's home visit and seen become "not chosen yet" (""): the worker chooses again
    before signing, which the form asks, and every other field is kept. Signed notes are never touched."""
    # Which drafts, so the note form can say why it asks again (a draft's row holds no field for it).
    asked = [
        str(uuid.UUID(str(row[0])))
        for row in conn.exec_driver_sql(
            "SELECT id FROM contact_note WHERE signed_at IS NULL AND (method = 'home_visit' OR outcome = 'seen')"
        )
    ]
    if asked:
        conn.execute(Meta.__table__.insert().values(key=DRAFTS_ASKED_AGAIN_KEY, value=json.dumps(asked)))
    conn.exec_driver_sql("UPDATE contact_note SET method = '' WHERE signed_at IS NULL AND method = 'home_visit'")
    conn.exec_driver_sql("UPDATE contact_note SET outcome = '' WHERE signed_at IS NULL AND outcome = 'seen'")


# Version 1 is the first released schema; later steps go here, each bringing the store to `version`.
STEPS: tuple[Step, ...] = (
    Step(2, "escalation kind; episode links its welfare check; action reached and due", _welfare_check_escalations),
    Step(3, "change records: immutable escalations, the outbox as a change log", _change_records),
    Step(
        4, "a team lead's records: reviews, supervision, learning reviews, action updates, case audits", _lead_records
    ),
    Step(5, "form drafts: what is typed in an unsaved form survives a lock or a crash", _form_drafts),
    Step(6, "safety plan revision: who was present is a field", _plan_revision_present),
    Step(
        7,
        "planned contacts as change records; their changes; increase-contact plans",
        _planned_contact_records,
        rebuilds_tables=True,
    ),
    Step(8, "the organisation's pathways and contacts directory, as received by sync", _received_documents),
    Step(
        9,
        "a team lead's forms are kept at a lock too: a form draft may belong to no one person",
        _team_form_drafts,
        rebuilds_tables=True,
    ),
    Step(
        10,
        "a kept note draft's home visit and seen are asked again (the form once chose them)",
        _draft_choices_asked_again,
    ),
)
BASE_VERSION = 1


def latest_version(steps: Sequence[Step] = STEPS) -> int:
    return steps[-1].version if steps else BASE_VERSION


def current_version(conn: Connection) -> int:
    recorded = conn.execute(select(Meta.value).where(Meta.key == VERSION_KEY)).scalar_one_or_none()
    legacy = int(conn.exec_driver_sql("PRAGMA user_version").scalar_one()) if conn.dialect.name == "sqlite" else 0
    return max(int(recorded) if recorded is not None else 0, legacy)


def _record_version(conn: Connection, version: int) -> None:
    updated = conn.execute(Meta.__table__.update().where(Meta.key == VERSION_KEY).values(value=str(version)))
    if not updated.rowcount:
        conn.execute(Meta.__table__.insert().values(key=VERSION_KEY, value=str(version)))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")


def create_schema(engine: Engine, steps: Sequence[Step] = STEPS) -> None:
    with engine.begin() as conn:
        Base.metadata.create_all(conn)
        append_only.install(conn)
        _record_version(conn, latest_version(steps))


def upgrade(engine: Engine, steps: Sequence[Step] = STEPS) -> list[int]:
    """Bring the store to the latest version; returns the versions applied, in order."""
    target = latest_version(steps)
    with engine.connect() as conn:
        found = current_version(conn)
    if found > target:
        raise StoreTooNew(
            f"This data was written by a newer Waymark (schema {found}; this copy knows up to {target}). "
            "Nothing has been changed. Update Waymark on this laptop, then open it again."
        )
    applied: list[int] = []
    for step in sorted(steps, key=lambda s: s.version):
        if step.version <= found:
            continue
        if step.rebuilds_tables and engine.dialect.name == "sqlite":
            _apply_with_foreign_keys_off(engine, step)
        else:
            with engine.begin() as conn:
                step.apply(conn)
                _record_version(conn, step.version)
        applied.append(step.version)
    with engine.begin() as conn:
        append_only.install(conn)
    return applied


def _apply_with_foreign_keys_off(engine: Engine, step: Step) -> None:
    with engine.connect() as conn:
        # Outside any transaction, or SQLite ignores it.
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                step.apply(conn)
                if conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise StoreError(f"Upgrading to schema {step.version} would break a link between records.")
                _record_version(conn, step.version)
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
