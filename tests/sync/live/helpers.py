"""Recording on an enrolled store as a worker would, and reading back what the store holds."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.workspace import Workspace
from storage import models, records


def persons(workspace: Workspace) -> list[uuid.UUID]:
    with workspace.uow.read() as session:
        return sorted(session.scalars(select(models.Person.id)))


def record_notes(workspace: Workspace, person_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    now = workspace.clock.now()
    ids = []
    for i in range(count):
        draft = NoteDraft(
            person_id=person_id,
            contact_start=now - timedelta(minutes=50),
            contact_end=now - timedelta(minutes=10),
            method=ContactMethod.PHONE,
            outcome=Outcome.SEEN,
            narrative=f"Phoned; talked through the plan together ({i}).",
            plan_steps_used=[],
            next_action=None,
            next_action_due=None,
        )
        note, _ = workspace.notes.record(draft)
        ids.append(note.id)
    return ids


def amend(workspace: Workspace, note_id: uuid.UUID) -> None:
    workspace.notes.amend(note_id, AmendmentKind.ADDENDUM, "Later call", "Called back; all well.")


def local_records(workspace: Workspace) -> dict[uuid.UUID, str]:
    """Every change record on the device that syncs (signed), by id, with its hash."""
    found: dict[uuid.UUID, str] = {}
    with workspace.uow.read() as session:
        for model in records.MODELS:
            for row in session.scalars(select(model)):
                if isinstance(row, models.ContactNote) and row.signed_at is None:
                    continue
                found[row.id] = records.sha256(records.envelope(row))  # type: ignore[attr-defined]
    return found
