"""Missed-contact episodes (a projection of the notes and welfare checks)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import MissedContactEpisode, SafetyReview


def of_person(session: Session, person_id: uuid.UUID) -> list[MissedContactEpisode]:
    """The person's episodes, latest opened first."""
    return list(
        session.scalars(
            select(MissedContactEpisode)
            .where(MissedContactEpisode.person_id == person_id)
            .order_by(MissedContactEpisode.opened_at.desc())
        )
    )


def reviewed_since(session: Session, person_id: uuid.UUID, at: datetime) -> bool:
    """Whether a safety review of the person was recorded at or after ``at``."""
    found = session.scalar(
        select(SafetyReview.id).where(SafetyReview.person_id == person_id, SafetyReview.created_at >= at).limit(1)
    )
    return found is not None
