"""The cover shifts this worker holds now, from their local assignments (kept from the server's holds)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Assignment, Person, Team

COVER = "cover"  # the role of an assignment held for a duty shift (the server's hold basis)


def live_cover(session: Session, staff_id: uuid.UUID, now: datetime) -> list[tuple[str, datetime, int]]:
    """``(team name, shift end, persons)`` per covered team, the shift ending first listed first."""
    rows = session.execute(
        select(Team.name, func.max(Assignment.ends_at), func.count(Assignment.person_id))
        .join(Person, Person.id == Assignment.person_id)
        .join(Team, Team.id == Person.team_id)
        .where(
            Assignment.staff_id == staff_id,
            Assignment.role == COVER,
            Assignment.starts_at <= now,
            Assignment.ends_at > now,
        )
        .group_by(Team.name)
        .order_by(func.max(Assignment.ends_at), Team.name)
    )
    return [(name, until, count) for name, until, count in rows]
