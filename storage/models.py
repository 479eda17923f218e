"""The local schema: typed SQLAlchemy 2 tables.

The whole file is SQLCipher-encrypted, so no column needs sealing of its own. None of these classes
defines ``__repr__``, so a row that reaches a log or traceback shows its class and address only.

Clinical records are append-only: triggers (storage/append_only.py) make the database itself refuse an
UPDATE, DELETE or REPLACE of a signed note, an amendment, a plan revision, a safety review, an
escalation action or an audit event.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Meta(Base):
    """Device-wide settings: who this device belongs to, store id. No personal data."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Organisation(Base):
    __tablename__ = "organisation"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class Team(Base):
    __tablename__ = "team"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(64))
    nation: Mapped[str] = mapped_column(String(32))


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"))
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(Text)


class Device(Base):
    __tablename__ = "device"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    enrolled_at: Mapped[datetime | None]
    last_sync_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Person(Base):
    __tablename__ = "person"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"))
    given_name: Mapped[str] = mapped_column(Text)
    family_name: Mapped[str] = mapped_column(Text)
    preferred_name: Mapped[str] = mapped_column(Text)
    pronouns: Mapped[str | None] = mapped_column(Text)
    date_of_birth: Mapped[date | None]
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    nation: Mapped[str] = mapped_column(String(32))
    area: Mapped[str] = mapped_column(String(64))
    contact_methods: Mapped[list[Any]]
    support_network: Mapped[list[Any]]
    communication_needs: Mapped[list[Any]]
    contact_frequency_days: Mapped[int | None]
    created_at: Mapped[datetime]


class Assignment(Base):
    __tablename__ = "assignment"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]


class SharingPreference(Base):
    __tablename__ = "sharing_preference"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    recipient: Mapped[str] = mapped_column(Text)
    what: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16))
    confidentiality_limits_explained: Mapped[bool]
    recorded_at: Mapped[datetime]
    review_due: Mapped[date | None]


class SafetyPlan(Base):
    __tablename__ = "safety_plan"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), unique=True)
    head_revision_id: Mapped[uuid.UUID | None]


class SafetyPlanRevision(Base):
    __tablename__ = "safety_plan_revision"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("safety_plan.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    parent_ids: Mapped[list[Any]]
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    co_produced: Mapped[bool]
    shared_with: Mapped[list[Any]]
    sections: Mapped[list[Any]]
    preferences: Mapped[dict[str, Any]]
    change_summary: Mapped[str] = mapped_column(Text)
    # Who was present when it was written (schema 5); NULL in older rows, which kept it in change_summary.
    present: Mapped[str | None] = mapped_column(Text)


class SafetyReview(Base):
    __tablename__ = "safety_review"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(32))
    what_changed: Mapped[str] = mapped_column(Text)
    persons_account: Mapped[str] = mapped_column(Text)
    why_it_matters: Mapped[str] = mapped_column(Text)
    current_concerns: Mapped[str] = mapped_column(Text)
    protective_factors: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[list[Any]]
    plan_reviewed: Mapped[bool]
    plan_review_note: Mapped[str] = mapped_column(Text)
    threshold_criteria: Mapped[list[Any]]


class ContactPlan(Base):
    """ "Increase contact: every N days until a date" (schema 4). The planned contacts it generates are
    written with it, each naming it; ending it early is a ``ContactPlanChange``, never an update."""

    __tablename__ = "contact_plan"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    staff_id: Mapped[uuid.UUID]
    every_days: Mapped[int]
    starts_on: Mapped[date]
    until: Mapped[date]
    time_of_day: Mapped[str] = mapped_column(String(16))  # HH:MM, Europe/London
    method: Mapped[str] = mapped_column(String(24))
    purpose: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class ContactPlanChange(Base):
    __tablename__ = "contact_plan_change"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contact_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contact_plan.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    change: Mapped[str] = mapped_column(String(16))  # "ended"
    reason: Mapped[str] = mapped_column(Text)


class PlannedContact(Base):
    """A contact planned with the person: a time (``due_at``) or a window (``due_at`` to ``window_end``).

    A change record (schema 4): rescheduling or cancelling it is a ``PlannedContactChange`` that refers
    to it, and a reschedule plans a new contact in its place. Rows from before schema 4 came with the
    organisation's data; their author is the worker they were planned for and their device the nil UUID.
    """

    __tablename__ = "planned_contact"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    staff_id: Mapped[uuid.UUID]
    due_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime]
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    window_end: Mapped[datetime | None]
    with_whom: Mapped[str] = mapped_column(Text, default="", server_default="")
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact_plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("contact_plan.id"))


class PlannedContactChange(Base):
    __tablename__ = "planned_contact_change"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    planned_contact_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("planned_contact.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    change: Mapped[str] = mapped_column(String(16))  # "rescheduled" / "cancelled"
    reason: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None]  # the new time of a reschedule
    replacement_id: Mapped[uuid.UUID | None]  # the planned contact a reschedule made in its place


class ContactNote(Base):
    __tablename__ = "contact_note"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    planned_contact_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("planned_contact.id"))
    contact_start: Mapped[datetime]
    contact_end: Mapped[datetime]
    recorded_at: Mapped[datetime]
    late_entry: Mapped[bool]
    late_entry_reason: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(24))
    narrative: Mapped[str] = mapped_column(Text)
    plan_revision_id: Mapped[uuid.UUID | None]
    plan_steps_used: Mapped[list[Any]]
    next_action: Mapped[str | None] = mapped_column(Text)
    next_action_due: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]


class FormDraft(Base):
    """What a worker has typed into a form not yet saved (a safety review, a plan revision, an escalation being
    started, an amendment): kept as they type and at a lock, so a lock or a crash loses nothing. One row per
    open form. Never synced and never part of the record: removed when the form is saved or discarded."""

    __tablename__ = "form_draft"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # derived from kind, person and subject
    kind: Mapped[str] = mapped_column(String(32))
    # None for a team lead's form about the team (a supervision, learning review or case audit): it may be
    # kept before any person is chosen, or name several (schema 9).
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    subject_id: Mapped[uuid.UUID | None]  # what the form is about within the person (the note amended), if any
    fields: Mapped[dict[str, Any]]
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    kept_at_lock: Mapped[bool]  # last kept because the app locked or closed (else: while typing)


class ReceivedDocument(Base):
    """One version of an organisation's configuration file (a pathway, threshold criteria or contacts
    directory file, in the client's own TOML format) as the sync server sent it, checked by the app's own
    readers before it was kept. Append-only: a newer version is a new row; the newest of each (kind, name)
    is in force, and earlier ones stay so an escalation keeps the pathway version it started on."""

    __tablename__ = "received_document"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # pathways | directory
    name: Mapped[str] = mapped_column(String(200))
    document_id: Mapped[int] = mapped_column(Integer)  # the server's id of this version (a newer one is larger)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]


class NoteAmendment(Base):
    __tablename__ = "note_amendment"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contact_note.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class MissedContactEpisode(Base):
    __tablename__ = "missed_contact_episode"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    opened_at: Mapped[datetime]
    missed_note_ids: Mapped[list[Any]]
    recontact_due: Mapped[datetime | None]
    welfare_check_due: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    # The welfare-check escalation the policy raised for this episode (schema 2).
    escalation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("escalation.id"))


class Escalation(Base):
    __tablename__ = "escalation"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    # "escalation" (a worker's judgement against the threshold criteria) or "welfare-check" (raised by the
    # missed-contact policy). Schema 2.
    kind: Mapped[str] = mapped_column(String(24), server_default="escalation")
    identified_at: Mapped[datetime]
    criteria: Mapped[list[Any]]
    rationale: Mapped[str] = mapped_column(Text)
    period: Mapped[str] = mapped_column(String(16))
    period_reason: Mapped[str] = mapped_column(Text)
    versions: Mapped[dict[str, Any]]
    pathway_id: Mapped[str] = mapped_column(String(64))
    # What the policy derived a welfare check from (the missed notes' ids, in time order); empty for a
    # worker's escalation. Follow-up, closing and outcome are escalation events, never columns (schema 3).
    cause: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")


class EscalationAction(Base):
    __tablename__ = "escalation_action"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    escalation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("escalation.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    at: Mapped[datetime]
    node_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    answer: Mapped[str | None] = mapped_column(Text)
    contact_id: Mapped[str | None] = mapped_column(String(64))
    contact_reached: Mapped[str | None] = mapped_column(Text)
    information_shared: Mapped[str | None] = mapped_column(Text)
    sharing_basis: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    # Schema 2: whether the step was done / the contact reached (it moves the pathway on), and the due
    # time a follow-up action sets.
    reached: Mapped[bool] = mapped_column(server_default="0")
    due: Mapped[datetime | None]


class RecordReview(Base):
    """A team lead's mark that a synced note, safety review or escalation has been reviewed (schema 4)."""

    __tablename__ = "record_review"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    # No foreign key: the reviewed record may be a note, a safety review or an escalation.
    reviewed_id: Mapped[uuid.UUID]
    reviewed_type: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)


class Supervision(Base):
    """A supervision discussion of one worker's risk decisions about one person (schema 4).

    One record per person discussed: the envelope's person is the server's scope for who may read it, so a
    session about three persons is three records sharing ``session_id``.
    """

    __tablename__ = "supervision"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    session_id: Mapped[uuid.UUID]
    worker_id: Mapped[uuid.UUID]
    supervised_at: Mapped[datetime]
    escalations_discussed: Mapped[list[Any]]
    rationale: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[Any]]


class LearningReview(Base):
    """What was learned after an incident or escalation, and the actions agreed (schema 4)."""

    __tablename__ = "learning_review"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    escalation_id: Mapped[uuid.UUID | None]
    occurred_at: Mapped[datetime]
    what_happened: Mapped[str] = mapped_column(Text)
    what_helped: Mapped[str] = mapped_column(Text)
    delays_barriers: Mapped[str] = mapped_column(Text)
    pathway_refinement_needed: Mapped[bool]
    pathway_id: Mapped[str | None] = mapped_column(String(64))
    pathway_version: Mapped[str | None] = mapped_column(String(32))
    refinement: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[list[Any]]


class ActionUpdate(Base):
    """An agreed action of a supervision or learning review marked done or cancelled (schema 4): actions
    are tracked to completion by these records, never by changing the record that agreed them."""

    __tablename__ = "action_update"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    source_id: Mapped[uuid.UUID]  # the supervision or learning review that agreed the action
    action_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text)


class CaseAudit(Base):
    """One sampled case audited against the operating model's checklist (schema 4)."""

    __tablename__ = "case_audit"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    created_at: Mapped[datetime]
    sample_id: Mapped[uuid.UUID]
    seed: Mapped[int]
    drawn_at: Mapped[datetime]
    period_from: Mapped[date]
    period_to: Mapped[date]
    selected_for: Mapped[list[Any]]
    case_workers: Mapped[list[Any]]
    checklist: Mapped[str] = mapped_column(String(64))
    answers: Mapped[list[Any]]
    comment: Mapped[str] = mapped_column(Text)


class DirectoryEntry(Base):
    __tablename__ = "directory_entry"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(Text)
    channels: Mapped[list[Any]]
    availability: Mapped[list[Any]]
    nations: Mapped[list[Any]]
    audience: Mapped[str] = mapped_column(Text)
    for_use_by: Mapped[str] = mapped_column(String(16))
    not_for: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    verified_on: Mapped[date]
    review_due: Mapped[date]


class AuditEvent(Base):
    """Append-only and hash-chained. Holds ids and verbs only: never clinical text or identifiers."""

    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None]
    device_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(24))
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxItem(Base):
    """The device's change log: one entry per change record, in the envelope of sync/PROTOCOL.md §1.

    ``seq`` numbers the device's records in creation order; an entry is marked acknowledged, never removed
    before. ``sha256`` is of the canonical envelope (§1.3), fixed when the record was made.
    """

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    record_type: Mapped[str] = mapped_column(String(32))
    schema_version: Mapped[int]
    person_id: Mapped[uuid.UUID]
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    authored_at: Mapped[datetime]
    refers_to: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]]
    sha256: Mapped[str] = mapped_column(String(64))
    enqueued_at: Mapped[datetime]
    acked_at: Mapped[datetime | None]


Index("ix_note_person_start", ContactNote.person_id, ContactNote.contact_start)
Index("ix_amendment_note", NoteAmendment.note_id)
Index("ix_note_planned_contact", ContactNote.planned_contact_id)
Index("ix_review_person", SafetyReview.person_id, SafetyReview.created_at)
Index("ix_planned_person_due", PlannedContact.person_id, PlannedContact.due_at)
Index("ix_planned_change_planned", PlannedContactChange.planned_contact_id)
Index("ix_contact_plan_person", ContactPlan.person_id)
Index("ix_assignment_staff", Assignment.staff_id, Assignment.person_id)
Index("ix_escalation_person", Escalation.person_id)
Index("ix_action_escalation", EscalationAction.escalation_id)
Index("ix_episode_person", MissedContactEpisode.person_id)
Index("ix_revision_plan", SafetyPlanRevision.plan_id)
Index("ix_record_review_reviewed", RecordReview.reviewed_id)
Index("ix_action_update_source", ActionUpdate.source_id)
Index("ix_form_draft_person", FormDraft.person_id)
Index("ix_received_document_kind_name", ReceivedDocument.kind, ReceivedDocument.name)

# Tables whose rows never change once written: no UPDATE, no DELETE, no REPLACE. The database enforces
# it (storage/append_only.py installs the triggers on SQLite and PostgreSQL alike), so no code path,
# present or future, can overwrite or remove a clinical record. A signed contact note is append-only too,
# its draft is not: that rule lives beside these in storage/append_only.py.
APPEND_ONLY = (
    "note_amendment",
    "safety_plan_revision",
    "safety_review",
    "escalation",
    "escalation_action",
    "audit_event",
    "record_review",
    "supervision",
    "learning_review",
    "action_update",
    "case_audit",
    "planned_contact",
    "planned_contact_change",
    "contact_plan",
    "contact_plan_change",
    "received_document",
)
