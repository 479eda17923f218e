"""Contact notes and their amendments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import ContactNote, NoteAmendment, PlannedContact
from storage.repo import planned_contacts


def unmet_planned_contact_near(
    session: Session, person_id: uuid.UUID, at: datetime, window: timedelta
) -> uuid.UUID | None:
    """The earliest planned contact still to happen whose time (or window) is within ``window`` of ``at``."""
    return session.scalar(
        select(PlannedContact.id)
        .where(
            PlannedContact.person_id == person_id,
            PlannedContact.due_at <= at + window,
            planned_contacts.closes_at() >= at - window,
            planned_contacts.outstanding(),
        )
        .order_by(PlannedContact.due_at)
        .limit(1)
    )


def amendments_of(session: Session, note_ids: Sequence[uuid.UUID]) -> list[NoteAmendment]:
    """Amendments of these notes, in the order they were made."""
    return list(
        session.scalars(
            select(NoteAmendment)
            .where(NoteAmendment.note_id.in_(note_ids))
            .order_by(NoteAmendment.created_at, NoteAmendment.id)
        )
    )


def timeline(session: Session, person_id: uuid.UUID, limit: int | None = None) -> list[ContactNote]:
    """The person's notes, newest contact first."""
    query = (
        select(ContactNote)
        .where(ContactNote.person_id == person_id)
        .order_by(ContactNote.contact_start.desc(), ContactNote.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def signed_notes(session: Session, person_id: uuid.UUID) -> list[ContactNote]:
    return list(
        session.scalars(
            select(ContactNote).where(ContactNote.person_id == person_id, ContactNote.signed_at.is_not(None))
        )
    )


def unsigned_with_outcomes(session: Session, person_id: uuid.UUID, outcomes: Sequence[str]) -> int:
    """How many of the person's drafts record one of these outcomes."""
    return len(
        session.scalars(
            select(ContactNote.id).where(
                ContactNote.person_id == person_id, ContactNote.signed_at.is_(None), ContactNote.outcome.in_(outcomes)
            )
        ).all()
    )


def entered_in_error(session: Session, person_id: uuid.UUID) -> set[uuid.UUID]:
    """Ids of the person's notes amended as entered in error."""
    return set(
        session.scalars(
            select(NoteAmendment.note_id).where(
                NoteAmendment.person_id == person_id, NoteAmendment.kind == "entered_in_error"
            )
        )
    )


def drafts_of(session: Session, person_id: uuid.UUID) -> list[ContactNote]:
    """The person's unsigned drafts, oldest first."""
    return list(
        session.scalars(
            select(ContactNote)
            .where(ContactNote.person_id == person_id, ContactNote.signed_at.is_(None))
            .order_by(ContactNote.recorded_at, ContactNote.id)
        )
    )


def unsigned_draft_counts(session: Session) -> dict[uuid.UUID, int]:
    """Unsigned drafts per person (only persons who have any)."""
    query = (
        select(ContactNote.person_id, func.count())
        .where(ContactNote.signed_at.is_(None))
        .group_by(ContactNote.person_id)
    )
    return {pid: count for pid, count in session.execute(query)}
