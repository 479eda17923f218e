"""Unsigned contact-note drafts: whatever the worker typed, kept as typed, valid or not.

A worker interrupted (a lock, a closed laptop, a person in distress on the phone) must never lose a note.
So a draft is never refused for what it holds: the rules for a note apply when it is signed. A draft stays
on this laptop (it never enters the outbox) and may be changed until it is signed; then the database makes
it immutable like every other signed note.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from app import audit
from app.changes import Changed
from app.clock import Clock
from app.contact_notes import ContactNoteService, Note, NoteDraft
from app.errors import InvalidInput, RecordImmutable
from app.ids import new_id
from app.safety_plans import current_revision
from app.text_input import clean_text
from app.write_path import WritePath
from storage import models
from storage.migrations import DRAFTS_ASKED_AGAIN_KEY
from storage.repo import notes as notes_repo
from storage.unit_of_work import Session, UnitOfWork

_MISSING = "That draft is not on this device."


class NoteDraftService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor, notes: ContactNoteService) -> None:
        self._uow = uow
        self._clock = clock
        self._writes = WritePath(uow, clock, actor)
        self._notes = notes

    def keep(self, draft: NoteDraft, draft_id: uuid.UUID | None = None) -> Note:
        """Save ``draft`` unsigned (a new draft, or over the unsigned draft ``draft_id``). Never validates."""
        now = self._clock.now()
        late = self._notes.is_late(draft.contact_end, now)
        if draft_id is not None:
            with self._writes.about(models.ContactNote, draft_id, "contact notes", _MISSING, now) as (w, row):
                _require_unsigned(row)
                _fill(w.session, row, draft, now, late=late)
                return Note.from_row(row)
        with self._writes.person(draft.person_id, "contact notes", now) as w:
            row = models.ContactNote(
                id=new_id(), person_id=draft.person_id, author_id=w.staff_id, device_id=w.device_id, signed_at=None
            )
            _fill(w.session, row, draft, now, late=late)
            w.record(row, queue=False)  # a draft stays on this laptop until it is signed
            return Note.from_row(row)

    def sign(self, draft_id: uuid.UUID, draft: NoteDraft) -> tuple[Note, Changed]:
        """Finish a draft: the note's rules apply now; on success it is signed and can only be amended."""
        now = self._clock.now()
        late, reason = self._notes.check_signable(draft, now)
        with self._writes.about(models.ContactNote, draft_id, "contact notes", _MISSING, now) as (w, row):
            _require_unsigned(row)
            if draft.plan_steps_used and current_revision(w.session, draft.person_id) is None:
                raise InvalidInput("Safety plan steps used", "cannot be given: this person has no safety plan")
            _fill(w.session, row, draft, now, late=late)
            row.late_entry_reason = reason
            row.narrative = clean_text(draft.narrative).strip()
        # Signing is the notes service's: the outbox, the audit event and the missed-contact policy.
        return self._notes.sign(draft_id)

    def for_person(self, person_id: uuid.UUID) -> list[Note]:
        with self._uow.read() as session:
            return [Note.from_row(r) for r in notes_repo.drafts_of(session, person_id)]

    def asked_again(self, draft_id: uuid.UUID) -> bool:
        """Whether upgrading the store made this draft's method and outcome "not chosen" again (schema 10): the
        note form once chose "home visit" and "seen" by itself, so the worker is told why they are asked."""
        with self._uow.read() as session:
            kept = session.get(models.Meta, DRAFTS_ASKED_AGAIN_KEY)
            return kept is not None and str(draft_id) in json.loads(kept.value)

    def counts(self) -> dict[uuid.UUID, int]:
        with self._uow.read() as session:
            return notes_repo.unsigned_draft_counts(session)


def _require_unsigned(row: models.ContactNote) -> None:
    if row.signed_at is not None:
        raise RecordImmutable("This note is already signed; to change it, add an amendment.")


def _fill(session: Session, row: models.ContactNote, draft: NoteDraft, now: datetime, *, late: bool) -> None:
    plan = current_revision(session, draft.person_id)
    row.contact_start = draft.contact_start
    row.contact_end = draft.contact_end
    row.recorded_at = now
    row.late_entry = late
    row.late_entry_reason = clean_text(draft.late_entry_reason or "") or None
    # A draft keeps what was chosen and nothing else: "" is "not chosen yet", never a value picked for the worker.
    row.method = draft.method.value if draft.method is not None else ""
    row.outcome = draft.outcome.value if draft.outcome is not None else ""
    row.narrative = clean_text(draft.narrative)
    row.plan_revision_id = plan.id if plan else None
    row.plan_steps_used = sorted(set(draft.plan_steps_used))
    row.next_action = clean_text(draft.next_action or "") or None
    row.next_action_due = draft.next_action_due
    row.planned_contact_id = draft.planned_contact_id
