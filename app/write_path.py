"""The one write path every service uses: validate → begin → check the actor may write for this person →
insert records → enqueue each → audit → commit → return what changed.

Services validate their drafts first (pure, before any transaction), then open ``WritePath.person`` and
hand each new record to ``Write.record``, which queues and audits it in the same transaction. The unit of
work refuses at commit any record that skipped this (storage/unit_of_work.py), so no service can forget.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from app import audit
from app.changes import AREA_OF_TABLE, Changed
from app.clock import Clock
from app.errors import InvalidInput, NotFound, NotPermitted
from storage import models, outbox
from storage.repo import device as device_repo
from storage.unit_of_work import Session, UnitOfWork

R = TypeVar("R", bound=models.Base)


@dataclass
class Write:
    """One open write transaction for one person, by an enrolled actor."""

    session: Session
    actor: audit.Actor
    staff_id: uuid.UUID
    device_id: uuid.UUID
    person: models.Person
    now: datetime
    changed: Changed = field(default=Changed(0))

    def record(self, row: R, action: audit.AuditAction = audit.AuditAction.CREATE, *, queue: bool = True) -> R:
        """Insert a change record, queue it for sync (unless it is a draft that stays here) and audit it."""
        self.session.add(row)
        self.changed |= AREA_OF_TABLE.get(row.__tablename__, Changed.PERSON)  # type: ignore[attr-defined]
        if queue:
            self.queue(row)
        self.audit(row, action)
        return row

    def also_for(self, person_id: uuid.UUID) -> models.Person:
        """Another person this same transaction writes for (one supervision discussing several persons)."""
        return _person(self.session, person_id)

    def queue(self, row: models.Base) -> None:
        outbox.enqueue(self.session, row, self.now)
        self.changed |= Changed.OUTBOX | AREA_OF_TABLE.get(row.__tablename__, Changed.PERSON)  # type: ignore[attr-defined]

    def audit(self, row: models.Base, action: audit.AuditAction) -> None:
        audit.append(self.session, self.actor, action, self.now, row.__tablename__, row.id)  # type: ignore[attr-defined]


class WritePath:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor) -> None:
        self._uow = uow
        self._clock = clock
        self.actor = actor

    def now(self) -> datetime:
        return self._clock.now()

    @contextmanager
    def person(
        self, person_id: uuid.UUID, what: str, now: datetime | None = None, *, lead_only: str | None = None
    ) -> Iterator[Write]:
        """A transaction writing for ``person_id``; ``what`` names what would be recorded, for the message a
        worker sees on a device that is not enrolled to anyone. ``lead_only`` names a record type only a
        team lead may write: anyone else is refused, and the refusal is audited."""
        staff_id, device_id = self._enrolled(what)
        if lead_only is not None:
            self.require_lead(what, lead_only, now)
        with self._uow.write() as session:
            yield Write(session, self.actor, staff_id, device_id, _person(session, person_id), now or self.now())

    @contextmanager
    def about(
        self, model: type[R], record_id: uuid.UUID, what: str, missing: str, now: datetime | None = None
    ) -> Iterator[tuple[Write, R]]:
        """A transaction writing about an earlier record (a note to sign or amend, an escalation to act on):
        the person is the record's."""
        staff_id, device_id = self._enrolled(what)
        with self._uow.write() as session:
            row = session.get(model, record_id)
            if row is None:
                raise NotFound(missing)
            person = _person(session, row.person_id)  # type: ignore[attr-defined]
            yield Write(session, self.actor, staff_id, device_id, person, now or self.now()), row

    def require_lead(self, what: str, record_type: str, now: datetime | None = None, *, doing: str = "record") -> None:
        """Refuse, and audit the refusal, unless this device's user is a team lead ("Only a team lead can
        <doing> <what>")."""
        with self._uow.read() as session:
            role = device_repo.role_of(session, self.actor.staff_id)
        if role == "team_lead":
            return
        # Committed on its own: the refused write never opens, but the attempt must stay on record.
        with self._uow.write() as session:
            audit.append(session, self.actor, audit.AuditAction.REFUSED, now or self.now(), record_type)
        raise NotPermitted(
            f"Only a team lead can {doing} {what}. Nothing was saved or shown, and this attempt has been noted in "
            "the audit trail. If you need to do this, ask your team lead."
        )

    def _enrolled(self, what: str) -> tuple[uuid.UUID, uuid.UUID]:
        staff_id, device_id = self.actor.staff_id, self.actor.device_id
        if staff_id is None or device_id is None:
            raise InvalidInput("Device", f"is not enrolled to a worker, so it cannot record {what}")
        return staff_id, device_id


def _person(session: Session, person_id: uuid.UUID) -> models.Person:
    person = session.get(models.Person, person_id)
    if person is None:
        # The device holds exactly the persons this worker may see (DESIGN §5): scope beyond that (a
        # reassignment meanwhile) is the server's to decide and flag, never a reason to lose work.
        raise NotFound("That person is not on this device.")
    return person
