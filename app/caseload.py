"""The worker's caseload: who they hold and what work is due, and quick find over it.

Rows show process state (contacts, overdue actions, open episodes and escalations). There is no
risk level, score or rank, and nothing here orders persons by one.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from app import audit, nhs_number
from app.changes import Changed
from app.clock import Clock
from app.contact_notes import Outcome
from app.errors import NotFound
from app.persons import Person
from app.work_due import Due, DueKind, first_due
from storage import models
from storage.caseload_query import caseload_facts
from storage.repo import notes as notes_repo
from storage.unit_of_work import UnitOfWork

REACHED = (Outcome.SEEN.value, Outcome.SPOKEN_TO.value)


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    person_id: uuid.UUID
    preferred_name: str = field(repr=False)
    full_name: str = field(repr=False)
    nhs_number: str | None = field(repr=False)
    last_contact_at: datetime | None
    next_planned_at: datetime | None
    overdue_actions: int
    open_episodes: int
    open_escalations: int
    # Lower-cased names and the bare NHS number, built once so filtering never re-derives them.
    search_key: str = field(repr=False)
    unsigned_drafts: int = 0  # notes kept unsigned (at a lock, or saved as a draft): the worker's to finish
    due: Due = field(default=Due(DueKind.NOTHING_OVERDUE, None))  # what is due first, for the work-due list

    @property
    def due_order(self) -> tuple[int, float]:
        """Sorts the work-due list: the kind of work due first, then the longest due first."""
        return (int(self.due.kind), self.due.since.timestamp() if self.due.since else float("inf"))

    @property
    def has_work_due(self) -> bool:
        """Missed-contact action, an open escalation or welfare check, overdue work or an unsigned draft."""
        return bool(self.open_episodes or self.open_escalations or self.overdue_actions or self.unsigned_drafts)

    def matches(self, query: str) -> bool:
        """Every word of ``query`` is part of a name or of the NHS number (spaces in numbers ignored)."""
        words = query.lower().split()
        if not words:
            return True
        digits = nhs_number.normalise(query)
        if digits.isdigit() and self.nhs_number and digits in self.nhs_number:
            return True
        return all(word in self.search_key for word in words)


class CaseloadService:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, actor: audit.Actor, acting_contacts: frozenset[str] = frozenset()
    ) -> None:
        # Directory contacts who can act on an escalation: only reaching one of them means anybody has
        # been told (issue 9, finding 2).
        self._acting = acting_contacts
        self._uow = uow
        self._clock = clock
        self._actor = actor

    def rows(self, only: Collection[uuid.UUID] | None = None) -> list[CaseloadRow]:
        """The caseload's rows; ``only`` recomputes just those persons' (those a change touched)."""
        now = self._clock.now()
        assert self._actor.staff_id is not None
        with self._uow.read() as session:
            facts = caseload_facts(session, self._actor.staff_id, now, REACHED, only)
            drafts = notes_repo.unsigned_draft_counts(session)
            due = first_due(session, [f.person_id for f in facts], now, self._acting)
        rows = []
        for f in facts:
            rows.append(
                CaseloadRow(
                    person_id=f.person_id,
                    preferred_name=f.preferred_name,
                    full_name=f"{f.given_name} {f.family_name}",
                    nhs_number=f.nhs_number,
                    last_contact_at=f.last_contact_at,
                    next_planned_at=f.next_planned_at,
                    overdue_actions=f.overdue_planned + int(f.overdue_next_action) + f.overdue_follow_ups,
                    open_episodes=f.open_episodes,
                    open_escalations=f.open_escalations,
                    search_key=" ".join((f.preferred_name, f.given_name, f.family_name, f.nhs_number or "")).lower(),
                    unsigned_drafts=drafts.get(f.person_id, 0),
                    due=due.get(f.person_id, Due(DueKind.NOTHING_OVERDUE, None)),
                )
            )
        return rows

    def find(self, query: str, rows: list[CaseloadRow] | None = None) -> list[CaseloadRow]:
        return [r for r in (rows if rows is not None else self.rows()) if r.matches(query)]

    def open_person(self, person_id: uuid.UUID) -> Person:
        """The person's record; opening it is audited as a view."""
        person = self.person(person_id)
        self.record_view(person_id)
        return person

    def person(self, person_id: uuid.UUID) -> Person:
        """The person's record, read only: the caller audits the opening with ``record_view``."""
        with self._uow.read() as session:
            row = session.get(models.Person, person_id)
            if row is None:
                raise NotFound("That person is not on this device.")
            return Person.from_row(row)

    def record_view(self, person_id: uuid.UUID) -> tuple[None, Changed]:
        """Audit that the worker opened the person's record (a write: the UI queues it)."""
        with self._uow.write() as session:
            audit.append(session, self._actor, audit.AuditAction.VIEW, self._clock.now(), "person", person_id)
        return None, Changed.NOTHING
