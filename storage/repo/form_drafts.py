"""Unsaved forms kept as typed (``FormDraft``): one row per open form, replaced as the worker types."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import FormDraft


def of_person(session: Session, person_id: uuid.UUID) -> Sequence[FormDraft]:
    """The person's unsaved forms, the one typed in longest ago first."""
    return session.scalars(
        select(FormDraft).where(FormDraft.person_id == person_id).order_by(FormDraft.started_at, FormDraft.id)
    ).all()


def of_team(session: Session) -> Sequence[FormDraft]:
    """A team lead's unsaved forms (about the team, not one person), the one typed in longest ago first."""
    return session.scalars(
        select(FormDraft).where(FormDraft.person_id.is_(None)).order_by(FormDraft.started_at, FormDraft.id)
    ).all()


def remove(session: Session, draft_id: uuid.UUID) -> None:
    session.execute(delete(FormDraft).where(FormDraft.id == draft_id))
