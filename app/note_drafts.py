"""Unsigned contact-note drafts: whatever the worker typed, kept as typed, valid or not.

A worker interrupted (a lock, a closed laptop, a person in distress on the phone) must never lose a note.
So a draft is never refused for what it holds: the rules for a note apply when it is signed. A draft stays
on this laptop (it never enters the outbox) and may be changed until it is signed; then the database makes
it immutable like every other signed note.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.changes import Changed
from app.clock import Clock
from app.contact_notes import ContactNoteService, Note, NoteDraft
from app.errors import InvalidInput, NotFound, RecordImmutable
from app.ids import new_id
from app.safety_plans import current_revision
from app.text_input import clean_text
from storage import models
from storage.store import Store


class NoteDraftService:
    def __init__(self, store: Store, clock: Clock, actor: audit.Actor, notes: ContactNoteService) -> None:
        self._store = store
        self._clock = clock
        self._actor = actor
        self._notes = notes

    def keep(self, draft: NoteDraft, draft_id: uuid.UUID | None = None) -> Note:
        """Save ``draft`` unsigned (a new draft, or over the unsigned draft ``draft_id``). Never validates."""
        now = self._clock.now()
        with self._store.sessions.begin() as session:
            row = self._unsigned(session, draft_id) if draft_id is not None else None
            if row is None:
                if session.get(models.Person, draft.person_id) is None:
                    raise NotFound("That person is not on this device.")
                assert self._actor.staff_id and self._actor.device_id
                row = models.ContactNote(
                    id=new_id(),
                    person_id=draft.person_id,
                    author_id=self._actor.staff_id,
                    device_id=self._actor.device_id,
                    signed_at=None,
                )
                created = True
            else:
                created = False
            plan = current_revision(session, draft.person_id)
            _fill(row, draft, now, late=self._notes.is_late(draft.contact_end, now))
            row.plan_revision_id = plan.id if plan else None
            if created:
                session.add(row)
                audit.append(session, self._actor, audit.AuditAction.CREATE, now, row.__tablename__, row.id)
            return Note.from_row(row)

    def sign(self, draft_id: uuid.UUID, draft: NoteDraft) -> tuple[Note, Changed]:
        """Finish a draft: the note's rules apply now; on success it is signed and can only be amended."""
        now = self._clock.now()
        late, reason = self._notes.check_signable(draft, now)
        with self._store.sessions.begin() as session:
            row = self._unsigned(session, draft_id)
            if row is None:
                raise NotFound("That draft is not on this device.")
            plan = current_revision(session, draft.person_id)
            if draft.plan_steps_used and plan is None:
                raise InvalidInput("Safety plan steps used", "cannot be given: this person has no safety plan")
            _fill(row, draft, now, late=late)
            row.late_entry_reason = reason
            row.narrative = clean_text(draft.narrative).strip()
            row.plan_revision_id = plan.id if plan else None
        # Signing is the notes service's: the outbox, the audit event and the missed-contact policy.
        return self._notes.sign(draft_id)

    def for_person(self, person_id: uuid.UUID) -> list[Note]:
        with self._store.sessions() as session:
            rows = session.scalars(
                select(models.ContactNote)
                .where(models.ContactNote.person_id == person_id, models.ContactNote.signed_at.is_(None))
                .order_by(models.ContactNote.recorded_at, models.ContactNote.id)
            )
            return [Note.from_row(r) for r in rows]

    def counts(self) -> dict[uuid.UUID, int]:
        with self._store.sessions() as session:
            return unsigned_counts(session)

    @staticmethod
    def _unsigned(session: Session, draft_id: uuid.UUID) -> models.ContactNote | None:
        row = session.get(models.ContactNote, draft_id)
        if row is not None and row.signed_at is not None:
            raise RecordImmutable("This note is already signed; to change it, add an amendment.")
        return row


def _fill(row: models.ContactNote, draft: NoteDraft, now: datetime, *, late: bool) -> None:
    row.contact_start = draft.contact_start
    row.contact_end = draft.contact_end
    row.recorded_at = now
    row.late_entry = late
    row.late_entry_reason = clean_text(draft.late_entry_reason or "") or None
    row.method = draft.method.value
    row.outcome = draft.outcome.value
    row.narrative = clean_text(draft.narrative)
    row.plan_steps_used = sorted(set(draft.plan_steps_used))
    row.next_action = clean_text(draft.next_action or "") or None
    row.next_action_due = draft.next_action_due
    row.planned_contact_id = draft.planned_contact_id


def unsigned_counts(session: Session) -> dict[uuid.UUID, int]:
    """Unsigned drafts per person (only persons who have any)."""
    query = (
        select(models.ContactNote.person_id, func.count())
        .where(models.ContactNote.signed_at.is_(None))
        .group_by(models.ContactNote.person_id)
    )
    return {pid: count for pid, count in session.execute(query)}
