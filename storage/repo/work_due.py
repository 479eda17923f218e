"""The queries behind the work-due order (app.work_due): per person, when each kind of work fell due."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from storage.models import ContactNote, Escalation, EscalationAction, MissedContactEpisode, PlannedContact
from storage.repo import planned_contacts
from storage.repo.follow_ups import overdue_follow_ups
from storage.repo.notes_in_error import entered_in_error

_CONTACT_KINDS = ("phoned", "texted", "emailed", "in_person")


def due_times(
    session: Session, person_ids: list[uuid.UUID], now: datetime, acting_contacts: Collection[str] = ()
) -> Iterator[tuple[str, uuid.UUID, datetime]]:
    """(what, person, since) for: "unreached" open escalations with no contact reached, "welfare" and
    "recontact" overdue on open missed-contact episodes, "overdue" follow-ups, planned contacts and next
    actions."""
    step, end = aliased(EscalationAction), aliased(EscalationAction)
    reached = (
        select(step.id)
        .where(
            step.escalation_id == Escalation.id,
            # Someone who can act (issue 9, finding 2): a directory contact that can act, reached by a call,
            # text, email or visit; family, listening lines and steps marked done are not.
            step.reached.is_(True),
            step.contact_id.in_(list(acting_contacts)),
            step.kind.in_(_CONTACT_KINDS),
        )
        .exists()
    )
    closed = select(end.id).where(end.escalation_id == Escalation.id, end.kind == "closed").exists()
    open_escalation = and_(Escalation.person_id.in_(person_ids), ~closed)
    for pid, at in session.execute(
        select(Escalation.person_id, func.min(Escalation.identified_at))
        .where(open_escalation, ~reached)
        .group_by(Escalation.person_id)
    ):
        yield "unreached", pid, at
    follow_up, overdue = overdue_follow_ups(person_ids, now)
    for pid, at in session.execute(
        select(follow_up.person_id, func.min(follow_up.due)).where(overdue).group_by(follow_up.person_id)
    ):
        yield "overdue", pid, at

    open_episode = and_(MissedContactEpisode.person_id.in_(person_ids), MissedContactEpisode.closed_at.is_(None))
    for column, kind in (
        (MissedContactEpisode.welfare_check_due, "welfare"),
        (MissedContactEpisode.recontact_due, "recontact"),
    ):
        for pid, at in session.execute(
            select(MissedContactEpisode.person_id, func.min(column))
            .where(open_episode, column < now)
            .group_by(MissedContactEpisode.person_id)
        ):
            yield kind, pid, at

    closes = planned_contacts.closes_at()
    for pid, at in session.execute(
        select(PlannedContact.person_id, func.min(closes))
        .where(PlannedContact.person_id.in_(person_ids), planned_contacts.outstanding(), closes < now)
        .group_by(PlannedContact.person_id)
    ):
        yield "overdue", pid, at
    # A next action is outstanding when the person's latest note set one that is now past due.
    latest = (
        select(ContactNote.person_id, func.max(ContactNote.contact_end).label("last_end"))
        .where(ContactNote.person_id.in_(person_ids), ~entered_in_error())
        .group_by(ContactNote.person_id)
        .subquery()
    )
    for pid, at in session.execute(
        select(ContactNote.person_id, ContactNote.next_action_due)
        .join(latest, and_(latest.c.person_id == ContactNote.person_id, latest.c.last_end == ContactNote.contact_end))
        .where(ContactNote.next_action_due.is_not(None), ContactNote.next_action_due < now)
    ):
        yield "overdue", pid, at
