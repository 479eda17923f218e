"""This device's own settings and whole-store reads (identity, dump, projections to rebuild)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Base, Meta, Person, Staff

# When this device's last sync finished, in the sync engine's own words (an ISO time): the one real
# "last synced" there is. Kept here so the plan view and the status bar read the same fact.
LAST_SYNC_SUCCESS = "sync.last_success"
# Present once this device is enrolled with a sync server (the engine keeps its token there).
SYNC_TOKEN = "sync.token"


def meta(session: Session) -> dict[str, str]:
    return {m.key: m.value for m in session.scalars(select(Meta))}


def all_rows(session: Session, model: type[Base]) -> Iterator[Base]:
    yield from session.scalars(select(model))


def person_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Person.id)))


def has_person(session: Session, person_id: uuid.UUID) -> bool:
    return session.get(Person, person_id) is not None


def persons_by_nhs_number(session: Session, digits: str) -> list[uuid.UUID]:
    """The persons on this device holding the NHS number ``digits``, compared as digits whatever was stored."""
    held = session.execute(select(Person.id, Person.nhs_number).where(Person.nhs_number.is_not(None)))
    return [person_id for person_id, stored in held if "".join(ch for ch in str(stored) if ch.isdigit()) == digits]


def staff_names(session: Session) -> dict[uuid.UUID, str]:
    """Every staff member known on this device, by id."""
    return {s.id: s.name for s in session.scalars(select(Staff))}


def role_of(session: Session, staff_id: uuid.UUID | None) -> str | None:
    """The role this device's user holds: the server's word at enrolment when there is one, otherwise the
    organisation's staff list on this device (a demo store has no server)."""
    enrolled = session.get(Meta, "sync.role")
    if enrolled is not None:
        return enrolled.value
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    return staff.role if staff is not None else None


def last_sync_success(session: Session) -> datetime | None:
    row = session.get(Meta, LAST_SYNC_SUCCESS)
    return datetime.fromisoformat(row.value) if row is not None else None


def enrolled(session: Session) -> bool:
    return session.get(Meta, SYNC_TOKEN) is not None
