"""Whole-team reads for governance reports: the teams on this device and the change records about a
team's persons."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from storage import records
from storage.models import Base, Person, Staff, Team


def _has_persons(team_id: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    return select(Person.id).where(Person.team_id == team_id).exists()


def teams(session: Session) -> list[Team]:
    """Teams with persons on this laptop. Pull pages also file the teams of colleagues who wrote a record (a
    duty team, say), so that notes say who wrote them; a report on such a team would be empty, and the first
    by name must not become the lead's default."""
    return list(session.scalars(select(Team).where(_has_persons(Team.id)).order_by(Team.name)))


def staff_in_roles(session: Session, roles: Iterable[str]) -> list[Staff]:
    """Staff in these roles of the teams held here: a colleague of another team known only as the author of a
    record is not the lead's to supervise or to look at the figures of."""
    return list(session.scalars(select(Staff).where(Staff.role.in_(list(roles)), _has_persons(Staff.team_id))))


def team_records(session: Session, team_id: uuid.UUID) -> Iterator[Base]:
    """Every change record (PROTOCOL.md §1 types) about a person of this team."""
    persons = select(Person.id).where(Person.team_id == team_id)
    for model in records.MODELS:
        yield from session.scalars(select(model).where(model.person_id.in_(persons)))  # type: ignore[attr-defined]
