"""Reads of a team lead's records: reviews of a record, supervisions, learning reviews, action updates,
case audits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    ActionUpdate,
    Assignment,
    CaseAudit,
    ContactNote,
    Escalation,
    LearningReview,
    NoteAmendment,
    Person,
    RecordReview,
    SafetyReview,
    Staff,
    Supervision,
)

# The outcomes that record a missed contact: app.contact_notes.MISSED_OUTCOMES (held equal by a test).
MISSED = ("no_answer", "not_at_home")


def reviews_of(session: Session, record_ids: Iterable[uuid.UUID]) -> list[RecordReview]:
    ids = list(record_ids)
    if not ids:
        return []
    query = select(RecordReview).where(RecordReview.reviewed_id.in_(ids))
    return list(session.scalars(query.order_by(RecordReview.created_at, RecordReview.id)))


def all_reviews(session: Session) -> list[RecordReview]:
    return list(session.scalars(select(RecordReview).order_by(RecordReview.created_at, RecordReview.id)))


def supervisions(session: Session) -> list[Supervision]:
    return list(session.scalars(select(Supervision).order_by(Supervision.supervised_at, Supervision.id)))


def learning_reviews(session: Session) -> list[LearningReview]:
    return list(session.scalars(select(LearningReview).order_by(LearningReview.occurred_at, LearningReview.id)))


def action_updates(session: Session) -> list[ActionUpdate]:
    """In recorded order (the first update of an action is the one that stands)."""
    return list(session.scalars(select(ActionUpdate).order_by(ActionUpdate.created_at, ActionUpdate.id)))


def case_audits(session: Session) -> list[CaseAudit]:
    return list(session.scalars(select(CaseAudit).order_by(CaseAudit.created_at, CaseAudit.id)))


def signed_notes(session: Session) -> list[ContactNote]:
    query = select(ContactNote).where(ContactNote.signed_at.is_not(None))
    return list(session.scalars(query.order_by(ContactNote.contact_start, ContactNote.id)))


def amendments(session: Session) -> list[NoteAmendment]:
    """Every note amendment, in the order made."""
    return list(session.scalars(select(NoteAmendment).order_by(NoteAmendment.created_at, NoteAmendment.id)))


def safety_reviews(session: Session) -> list[SafetyReview]:
    return list(session.scalars(select(SafetyReview).order_by(SafetyReview.created_at, SafetyReview.id)))


def escalations(session: Session) -> list[Escalation]:
    return list(session.scalars(select(Escalation).order_by(Escalation.identified_at, Escalation.id)))


def escalation_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Escalation.id).order_by(Escalation.identified_at, Escalation.id)))


def person_names(session: Session) -> dict[uuid.UUID, str]:
    return {pid: name for pid, name in session.execute(select(Person.id, Person.preferred_name))}


def staff_roles(session: Session) -> dict[uuid.UUID, tuple[str, str]]:
    """Every staff member known here: (name, role) by id."""
    return {s.id: (s.name, s.role) for s in session.scalars(select(Staff))}


def team_staff_roles(session: Session) -> dict[uuid.UUID, tuple[str, str]]:
    """Staff of the teams whose persons are held here, (name, role) by id: those a lead supervises. Colleagues
    of other teams known only as a record's author are left out."""
    here = select(Person.id).where(Person.team_id == Staff.team_id).exists()
    return {s.id: (s.name, s.role) for s in session.scalars(select(Staff).where(here))}


def escalation_author(session: Session, escalation_id: uuid.UUID) -> uuid.UUID:
    return session.scalars(select(Escalation.author_id).where(Escalation.id == escalation_id)).one()


def process_events(session: Session) -> list[tuple[uuid.UUID, str, uuid.UUID, datetime, uuid.UUID]]:
    """(person, reason, record id, when, author) for every escalation, welfare check and missed contact."""
    rows: list[tuple[uuid.UUID, str, uuid.UUID, datetime, uuid.UUID]] = [
        (
            e.person_id,
            "welfare_check" if e.kind == "welfare-check" else "escalation",
            e.id,
            e.identified_at,
            e.author_id,
        )
        for e in session.scalars(select(Escalation))
    ]
    missed = select(ContactNote).where(ContactNote.signed_at.is_not(None), ContactNote.outcome.in_(MISSED))
    rows += [(n.person_id, "missed_contact", n.id, n.contact_start, n.author_id) for n in session.scalars(missed)]
    return rows


def case_workers(session: Session) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Who worked each person's case: anyone assigned, and anyone who wrote a note, review or escalation."""
    workers: dict[uuid.UUID, set[uuid.UUID]] = {}
    for person_id, staff_id in session.execute(select(Assignment.person_id, Assignment.staff_id)):
        workers.setdefault(person_id, set()).add(staff_id)
    for model in (ContactNote, SafetyReview, Escalation):
        for person_id, author_id in session.execute(select(model.person_id, model.author_id).distinct()):
            workers.setdefault(person_id, set()).add(author_id)
    return workers
