"""Planned contacts, their changes and increase-contact plans: the one SQL statement of "a planned contact
is still to happen" (standing: no change record ended it; unmet: no note met it), shared by the caseload,
the work-due order and the note that meets one, so they can never disagree with ``app.planned_contacts``.

A contact planned as a window is overdue only once its window has closed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from storage.models import ContactNote, ContactPlan, ContactPlanChange, PlannedContact, PlannedContactChange
from storage.repo.notes_in_error import entered_in_error


def outstanding() -> ColumnElement[bool]:
    """No change record has ended it (cancelled or rescheduled) and no note has met it (one entered in error
    does not)."""
    changed = select(PlannedContactChange.id).where(PlannedContactChange.planned_contact_id == PlannedContact.id)
    met = select(ContactNote.id).where(ContactNote.planned_contact_id == PlannedContact.id, ~entered_in_error())
    return and_(~changed.exists(), ~met.exists())


def closes_at() -> ColumnElement[datetime]:
    """When it stops being "to do" and becomes overdue: the end of its window, else its time."""
    return func.coalesce(PlannedContact.window_end, PlannedContact.due_at)


@dataclass(frozen=True, slots=True)
class PersonSchedule:
    """Everything recorded about one person's planned contacts, for ``app.planned_contacts`` to fold."""

    planned: list[PlannedContact]
    changes: list[PlannedContactChange]
    plans: list[ContactPlan]
    plan_changes: list[ContactPlanChange]
    met: dict[uuid.UUID, uuid.UUID]  # planned contact id -> the id of the note that met it


def of_person(session: Session, person_id: uuid.UUID) -> PersonSchedule:
    return PersonSchedule(
        planned=list(
            session.scalars(
                select(PlannedContact)
                .where(PlannedContact.person_id == person_id)
                .order_by(PlannedContact.due_at, PlannedContact.id)
            )
        ),
        changes=list(
            session.scalars(
                select(PlannedContactChange)
                .where(PlannedContactChange.person_id == person_id)
                .order_by(PlannedContactChange.created_at, PlannedContactChange.id)
            )
        ),
        plans=list(
            session.scalars(
                select(ContactPlan)
                .where(ContactPlan.person_id == person_id)
                .order_by(ContactPlan.created_at, ContactPlan.id)
            )
        ),
        plan_changes=list(
            session.scalars(
                select(ContactPlanChange)
                .where(ContactPlanChange.person_id == person_id)
                .order_by(ContactPlanChange.created_at, ContactPlanChange.id)
            )
        ),
        met={
            planned_id: note_id
            for planned_id, note_id in session.execute(
                select(ContactNote.planned_contact_id, ContactNote.id).where(
                    ContactNote.person_id == person_id,
                    ContactNote.planned_contact_id.is_not(None),
                    ~entered_in_error(),
                )
            )
        },
    )
