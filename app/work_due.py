"""What is due first, for the work-due list (F6): by kind of work, then by how long it has been due.

The order is the missed-contact and escalation procedure's own, never a judgement of the person:
1. an open escalation or welfare check that has reached nobody yet (oldest first);
2. an overdue welfare check;
3. an overdue re-contact after a missed contact;
4. other overdue work (planned contacts, next actions, escalation follow-ups), by time due;
5. the rest of the work due (unsigned drafts, open work not yet due).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from storage.models import ContactNote, Escalation, EscalationAction, MissedContactEpisode, PlannedContact

_NOT_STEPS = ("follow_up", "closed")


class DueKind(enum.IntEnum):
    ESCALATION_REACHED_NOBODY = 0
    WELFARE_CHECK_OVERDUE = 1
    RECONTACT_OVERDUE = 2
    OTHER_OVERDUE = 3
    NOTHING_OVERDUE = 4


@dataclass(frozen=True, slots=True)
class Due:
    kind: DueKind
    since: datetime | None  # since when it has been due (or the escalation identified)


def first_due(session: Session, person_ids: list[uuid.UUID], now: datetime) -> dict[uuid.UUID, Due]:
    """The most pressing work for each person who has any overdue (others are left out)."""
    found: dict[uuid.UUID, Due] = {}

    def offer(pid: uuid.UUID, kind: DueKind, at: datetime | None) -> None:
        current = found.get(pid)
        if current is None or (kind, at or now) < (current.kind, current.since or now):
            found[pid] = Due(kind, at)

    reached = (
        select(EscalationAction.id)
        .where(
            EscalationAction.escalation_id == Escalation.id,
            EscalationAction.reached.is_(True),
            or_(EscalationAction.contact_id.is_not(None), EscalationAction.contact_reached.is_not(None)),
            EscalationAction.kind.not_in(_NOT_STEPS),
        )
        .exists()
    )
    open_escalation = and_(Escalation.person_id.in_(person_ids), Escalation.closed_at.is_(None))
    for pid, at in session.execute(
        select(Escalation.person_id, func.min(Escalation.identified_at))
        .where(open_escalation, ~reached)
        .group_by(Escalation.person_id)
    ):
        offer(pid, DueKind.ESCALATION_REACHED_NOBODY, at)
    for pid, at in session.execute(
        select(Escalation.person_id, func.min(Escalation.follow_up_due))
        .where(open_escalation, Escalation.follow_up_due < now)
        .group_by(Escalation.person_id)
    ):
        offer(pid, DueKind.OTHER_OVERDUE, at)

    open_episode = and_(MissedContactEpisode.person_id.in_(person_ids), MissedContactEpisode.closed_at.is_(None))
    for column, kind in (
        (MissedContactEpisode.welfare_check_due, DueKind.WELFARE_CHECK_OVERDUE),
        (MissedContactEpisode.recontact_due, DueKind.RECONTACT_OVERDUE),
    ):
        for pid, at in session.execute(
            select(MissedContactEpisode.person_id, func.min(column))
            .where(open_episode, column < now)
            .group_by(MissedContactEpisode.person_id)
        ):
            offer(pid, kind, at)

    unmet = ~select(ContactNote.id).where(ContactNote.planned_contact_id == PlannedContact.id).exists()
    for pid, at in session.execute(
        select(PlannedContact.person_id, func.min(PlannedContact.due_at))
        .where(PlannedContact.person_id.in_(person_ids), unmet, PlannedContact.due_at < now)
        .group_by(PlannedContact.person_id)
    ):
        offer(pid, DueKind.OTHER_OVERDUE, at)
    # A next action is outstanding when the person's latest note set one that is now past due.
    latest = (
        select(ContactNote.person_id, func.max(ContactNote.contact_end).label("last_end"))
        .where(ContactNote.person_id.in_(person_ids))
        .group_by(ContactNote.person_id)
        .subquery()
    )
    for pid, at in session.execute(
        select(ContactNote.person_id, ContactNote.next_action_due)
        .join(latest, and_(latest.c.person_id == ContactNote.person_id, latest.c.last_end == ContactNote.contact_end))
        .where(ContactNote.next_action_due.is_not(None), ContactNote.next_action_due < now)
    ):
        offer(pid, DueKind.OTHER_OVERDUE, at)
    return found
