"""The person's recorded sharing preferences."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SharingPreference


def of_person(session: Session, person_id: uuid.UUID) -> list[SharingPreference]:
    return list(
        session.scalars(
            select(SharingPreference)
            .where(SharingPreference.person_id == person_id)
            .order_by(SharingPreference.recorded_at.desc())
        )
    )
