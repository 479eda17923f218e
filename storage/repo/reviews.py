"""Safety reviews."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SafetyReview


def of_person(session: Session, person_id: uuid.UUID) -> list[SafetyReview]:
    """The person's safety reviews, newest first."""
    return list(
        session.scalars(
            select(SafetyReview).where(SafetyReview.person_id == person_id).order_by(SafetyReview.created_at.desc())
        )
    )
