"""Which persons this device's worker holds to write for now: their own caseload, a cover shift, break-glass.

A team lead also holds their team's persons (the server's "team" basis), but only to read and to write their
own review records; a contact note or an escalation for them needs one of the other holds (server scope).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import Assignment

READ_ONLY_BASIS = "team"


def held_to_write(
    session: Session, staff_id: uuid.UUID, person_ids: Collection[uuid.UUID], now: datetime
) -> set[uuid.UUID]:
    """The persons among ``person_ids`` this worker may record contact notes and escalations for now."""
    if not person_ids:
        return set()
    return set(
        session.scalars(
            select(Assignment.person_id).where(
                Assignment.staff_id == staff_id,
                Assignment.person_id.in_(list(person_ids)),
                Assignment.role != READ_ONLY_BASIS,
                Assignment.starts_at <= now,
                or_(Assignment.ends_at.is_(None), Assignment.ends_at > now),
            )
        )
    )
