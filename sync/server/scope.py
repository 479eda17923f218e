"""Who may see and write which person's records, computed from the server's own tables at request time.

Nothing here takes a scope from the client: the caller is known only by its device token, and every
answer is worked out from assignments, cover and team membership as they stand *now* (server clock).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Select, and_, false, or_, select, union
from sqlalchemy.orm import Session

from sync.server.models import Assignment, BreakGlass, Cover, CoverPerson, Person, Team, User

# A team lead's records (storage.records.LEAD_ONLY): nobody else may write them, for any person.
LEAD_ONLY = frozenset({"record_review", "supervision", "learning_review", "action_update", "case_audit"})
# What a team lead writes for their team's persons they do not hold themselves: safety reviews and their
# own records. Anything else (a contact note, an escalation) needs the person held.
LEAD_WRITES = frozenset({"safety_review"}) | LEAD_ONLY


def _held_now_parts(user_id: uuid.UUID, now: datetime) -> list[Select[tuple[uuid.UUID]]]:
    assigned = select(Assignment.person_id).where(
        Assignment.user_id == user_id,
        Assignment.starts_at <= now,
        or_(Assignment.ends_at.is_(None), Assignment.ends_at > now),
    )
    live_cover = and_(Cover.user_id == user_id, Cover.starts_at <= now, Cover.ends_at > now)
    cover_team = select(Person.id).join(Cover, Cover.team_id == Person.team_id).where(live_cover)
    cover_listed = select(CoverPerson.person_id).join(Cover, Cover.id == CoverPerson.cover_id).where(live_cover)
    glass = select(BreakGlass.person_id).where(
        BreakGlass.user_id == user_id, BreakGlass.granted_at <= now, BreakGlass.ends_at > now
    )
    return [assigned, cover_team, cover_listed, glass]


def _held_now(user_id: uuid.UUID, now: datetime) -> Select[tuple[uuid.UUID]]:
    return union(*_held_now_parts(user_id, now))  # type: ignore[return-value]


def holds_without_break_glass(session: Session, user: User, person_id: uuid.UUID, now: datetime) -> bool:
    """Whether ``user`` holds the person now by assignment or cover: break-glass would open nothing new."""
    assigned, cover_team, cover_listed, _glass = _held_now_parts(user.id, now)
    held = union(assigned, cover_team, cover_listed).subquery()
    return session.scalar(select(held.c[0]).where(held.c[0] == person_id)) is not None


def visible(user: User, now: datetime) -> Select[tuple[uuid.UUID]]:
    """The ids of every person ``user`` may read now, as a subquery-ready SELECT."""
    if user.role == "admin":
        # An admin administers; clinical text is not theirs to read.
        return select(Person.id).where(false())
    if user.role == "team_lead":
        # One flat UNION: SQLite refuses a parenthesised compound inside another.
        team = select(Person.id).where(Person.team_id == user.team_id)
        return union(team, *_held_now_parts(user.id, now))  # type: ignore[return-value]
    return _held_now(user.id, now)


def visible_ids(session: Session, user: User, now: datetime) -> set[uuid.UUID]:
    return set(session.scalars(visible(user, now)))


def may_read(session: Session, user: User, person_id: uuid.UUID, now: datetime) -> bool:
    subquery = visible(user, now).subquery()
    return session.scalar(select(subquery.c[0]).where(subquery.c[0] == person_id)) is not None


# How long after an assignment or cover ends a record written offline during it is still accepted (flagged and
# routed to whoever holds the person now). Longer than any real spell without signal; without a bound, cover held
# years ago would let a leaver's device write into any person of that team.
OFFLINE_GRACE = timedelta(days=14)


def ever_held(session: Session, user: User, person_id: uuid.UUID, now: datetime, person: Person | None) -> bool:
    """Whether the user held the person (assignment or cover) at some time within ``OFFLINE_GRACE`` of now.

    ``person`` is the row the caller already looked up (None when no such person exists): the same two
    queries run either way, so the time taken does not tell whether a person id exists."""
    since = now - OFFLINE_GRACE
    assigned = select(Assignment.id).where(
        Assignment.user_id == user.id,
        Assignment.person_id == person_id,
        Assignment.starts_at <= now,
        or_(Assignment.ends_at.is_(None), Assignment.ends_at >= since),
    )
    if session.scalar(assigned.limit(1)) is not None:
        return True
    covered = (
        select(Cover.id)
        .outerjoin(CoverPerson, CoverPerson.cover_id == Cover.id)
        .where(
            Cover.user_id == user.id,
            Cover.starts_at <= now,
            Cover.ends_at >= since,
            or_(CoverPerson.person_id == person_id, Cover.team_id == (person.team_id if person else None)),
        )
    )
    if session.scalar(covered.limit(1)) is not None:
        return True
    glass = select(BreakGlass.id).where(
        BreakGlass.user_id == user.id,
        BreakGlass.person_id == person_id,
        BreakGlass.granted_at <= now,
        BreakGlass.ends_at >= since,
    )
    return session.scalar(glass.limit(1)) is not None


class WriteDecision(enum.Enum):
    ACCEPT = "accept"
    # Held before, not now: the visit really happened, so the record is kept, flagged and routed.
    ACCEPT_AFTER_REASSIGNMENT = "after_reassignment"
    NEVER_HELD = "not_authorised_for_person"
    ROLE_MAY_NOT_WRITE = "role_may_not_write"


def held_now_ids(session: Session, user: User, now: datetime) -> set[uuid.UUID]:
    return set(session.scalars(_held_now(user.id, now)))


def decide_write(
    session: Session,
    user: User,
    held: set[uuid.UUID],
    record_type: str,
    person_id: uuid.UUID,
    person: Person | None,
    now: datetime,
) -> WriteDecision:
    """``held`` is ``held_now_ids`` for the caller, worked out once per request. ``person`` is None when no
    such person exists: the decision then takes the same steps as for someone the caller never held, and
    comes out the same, so no answer tells which person ids exist."""
    if user.role == "admin":
        return WriteDecision.ROLE_MAY_NOT_WRITE
    if record_type in LEAD_ONLY and user.role != "team_lead":
        return WriteDecision.ROLE_MAY_NOT_WRITE
    if person_id in held:
        return WriteDecision.ACCEPT
    if user.role == "team_lead" and person is not None and person.team_id == user.team_id:
        return WriteDecision.ACCEPT if record_type in LEAD_WRITES else WriteDecision.ROLE_MAY_NOT_WRITE
    if person is not None and ever_held(session, user, person_id, now, person):
        return WriteDecision.ACCEPT_AFTER_REASSIGNMENT
    if person is None:
        ever_held(session, user, person_id, now, None)  # the same lookups as for someone else's person
    return WriteDecision.NEVER_HELD


def current_holders(session: Session, person: Person, now: datetime) -> set[uuid.UUID]:
    """Who should hear of a record that arrived for this person: its workers now and the team's leads."""
    assigned = select(Assignment.user_id).where(
        Assignment.person_id == person.id,
        Assignment.starts_at <= now,
        or_(Assignment.ends_at.is_(None), Assignment.ends_at > now),
    )
    leads = select(User.id).where(User.team_id == person.team_id, User.role == "team_lead")
    return set(session.scalars(assigned)) | set(session.scalars(leads))


# A person held in several ways is shown once, by the strongest claim: their own caseload, then cover, then
# a lead's reading of the team.
_BASIS_ORDER = {"assigned": 0, "cover": 1, "break_glass": 2, "team": 3}


Basis = Literal["assigned", "cover", "break_glass", "team"]


def holds(session: Session, user: User, now: datetime) -> list[tuple[uuid.UUID, Basis, datetime | None, str]]:
    """``(person_id, basis, until, team name)`` for every person ``visible`` now, one each, by person id."""
    found: dict[uuid.UUID, tuple[uuid.UUID, Basis, datetime | None, str]] = {}

    def offer(person_id: uuid.UUID, basis: Basis, until: datetime | None, team: str) -> None:
        held = found.get(person_id)
        if held is None or (_BASIS_ORDER[basis], _later_first(until)) < (_BASIS_ORDER[held[1]], _later_first(held[2])):
            found[person_id] = (person_id, basis, until, team)

    if user.role == "admin":
        return []
    live = and_(Assignment.user_id == user.id, Assignment.starts_at <= now)
    for person_id, until, team in session.execute(
        select(Assignment.person_id, Assignment.ends_at, Team.name)
        .join(Person, Person.id == Assignment.person_id)
        .join(Team, Team.id == Person.team_id)
        .where(live, or_(Assignment.ends_at.is_(None), Assignment.ends_at > now))
    ):
        offer(person_id, "assigned", until, team)
    live_cover = and_(Cover.user_id == user.id, Cover.starts_at <= now, Cover.ends_at > now)
    for person_id, until, team in session.execute(
        select(Person.id, Cover.ends_at, Team.name)
        .join(Cover, Cover.team_id == Person.team_id)
        .join(Team, Team.id == Person.team_id)
        .where(live_cover)
    ):
        offer(person_id, "cover", until, team)
    for person_id, until, team in session.execute(
        select(CoverPerson.person_id, Cover.ends_at, Team.name)
        .join(Cover, Cover.id == CoverPerson.cover_id)
        .join(Person, Person.id == CoverPerson.person_id)
        .join(Team, Team.id == Person.team_id)
        .where(live_cover)
    ):
        offer(person_id, "cover", until, team)
    for person_id, until, team in session.execute(
        select(BreakGlass.person_id, BreakGlass.ends_at, Team.name)
        .join(Person, Person.id == BreakGlass.person_id)
        .join(Team, Team.id == Person.team_id)
        .where(BreakGlass.user_id == user.id, BreakGlass.granted_at <= now, BreakGlass.ends_at > now)
    ):
        offer(person_id, "break_glass", until, team)
    if user.role == "team_lead":
        for person_id, team in session.execute(
            select(Person.id, Team.name).join(Team, Team.id == Person.team_id).where(Person.team_id == user.team_id)
        ):
            offer(person_id, "team", None, team)
    return [found[k] for k in sorted(found)]


def _later_first(until: datetime | None) -> float:
    return float("-inf") if until is None else -until.timestamp()
