"""The caseload as a handful of grouped queries, so 10,000 persons list in one pass each."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from storage.models import (
    Assignment,
    ContactNote,
    Escalation,
    EscalationAction,
    MissedContactEpisode,
    Person,
    PlannedContact,
)
from storage.repo import planned_contacts
from storage.repo.follow_ups import overdue_follow_ups
from storage.repo.notes_in_error import entered_in_error


@dataclass(slots=True)
class CaseloadFacts:
    person_id: uuid.UUID
    preferred_name: str
    given_name: str
    family_name: str
    nhs_number: str | None
    last_contact_at: datetime | None = None
    next_planned_at: datetime | None = None
    overdue_planned: int = 0
    overdue_next_action: bool = False
    overdue_follow_ups: int = 0
    open_episodes: int = 0
    open_escalations: int = 0


def caseload_facts(
    session: Session,
    staff_id: uuid.UUID,
    now: datetime,
    reached_outcomes: tuple[str, ...],
    only: Collection[uuid.UUID] | None = None,
) -> list[CaseloadFacts]:
    """Each assigned person's row facts; ``only`` limits it to those persons (a change touched them)."""
    assigned = (
        select(Assignment.person_id)
        .where(
            Assignment.staff_id == staff_id,
            Assignment.starts_at <= now,
            or_(Assignment.ends_at.is_(None), Assignment.ends_at > now),
            true() if only is None else Assignment.person_id.in_(list(only)),
        )
        .scalar_subquery()
    )
    # Only the columns a row shows: whole Person objects would decode every JSON field for nothing.
    facts = {
        row.id: CaseloadFacts(row.id, row.preferred_name, row.given_name, row.family_name, row.nhs_number)
        for row in session.execute(
            select(Person.id, Person.preferred_name, Person.given_name, Person.family_name, Person.nhs_number)
            .where(Person.id.in_(assigned))
            .order_by(Person.preferred_name)
        )
    }

    # A note marked entered in error stays in the record, but what it says did not happen: counting it would
    # go on saying the person was seen (or owed that next action) after the worker corrected it.
    in_error = entered_in_error()
    # An unsigned draft is not yet part of the record (it may still change, or never be signed), so it is not
    # a contact: counting it would make a person look seen on the strength of text nobody has stood behind.
    for pid, at in session.execute(
        select(ContactNote.person_id, func.max(ContactNote.contact_end))
        .where(
            ContactNote.person_id.in_(assigned),
            ContactNote.outcome.in_(reached_outcomes),
            ContactNote.signed_at.is_not(None),
            ~in_error,
        )
        .group_by(ContactNote.person_id)
    ):
        facts[pid].last_contact_at = at

    unmet = and_(PlannedContact.person_id.in_(assigned), planned_contacts.outstanding())
    for pid, at in session.execute(
        select(PlannedContact.person_id, func.min(PlannedContact.due_at))
        .where(unmet, planned_contacts.closes_at() >= now)
        .group_by(PlannedContact.person_id)
    ):
        facts[pid].next_planned_at = at
    for pid, count in session.execute(
        select(PlannedContact.person_id, func.count())
        .where(unmet, planned_contacts.closes_at() < now)
        .group_by(PlannedContact.person_id)
    ):
        facts[pid].overdue_planned = count

    # A next action is outstanding when the person's latest note set one that is now past due.
    latest = (
        select(ContactNote.person_id, func.max(ContactNote.contact_end).label("last_end"))
        .where(ContactNote.person_id.in_(assigned), ~in_error)
        .group_by(ContactNote.person_id)
        .subquery()
    )
    for (pid,) in session.execute(
        select(ContactNote.person_id)
        .join(latest, and_(latest.c.person_id == ContactNote.person_id, latest.c.last_end == ContactNote.contact_end))
        .where(ContactNote.next_action_due.is_not(None), ContactNote.next_action_due < now)
    ):
        facts[pid].overdue_next_action = True

    for pid, count in session.execute(
        select(MissedContactEpisode.person_id, func.count())
        .where(MissedContactEpisode.person_id.in_(assigned), MissedContactEpisode.closed_at.is_(None))
        .group_by(MissedContactEpisode.person_id)
    ):
        facts[pid].open_episodes = count
    # Closing is an event recorded against the escalation; the escalation itself never changes.
    closed = (
        select(EscalationAction.id)
        .where(EscalationAction.escalation_id == Escalation.id, EscalationAction.kind == "closed")
        .exists()
    )
    for pid, count in session.execute(
        select(Escalation.person_id, func.count())
        .where(Escalation.person_id.in_(assigned), ~closed)
        .group_by(Escalation.person_id)
    ):
        facts[pid].open_escalations = count

    follow_up, overdue = overdue_follow_ups(assigned, now)
    for pid, count in session.execute(
        select(follow_up.person_id, func.count()).where(overdue).group_by(follow_up.person_id)
    ):
        facts[pid].overdue_follow_ups = count
    return list(facts.values())
