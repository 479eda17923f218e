"""Forms being typed, kept as typed: a lock, an idle timeout or a crash never loses what a worker wrote.

A safety review, a plan revision, an escalation being started or an amendment can take a while to write,
often with the person present. Until it is saved, what is typed is kept on this laptop (in the encrypted
store, like everything else) as the worker types and when the app locks, and the form comes back with it.
A form draft is not part of the record: it is never synced, never validated, and removed when its form is
saved or the worker chooses to discard it. Its text is never logged.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.clock import Clock
from app.ids import derived_id
from storage import models
from storage.repo import form_drafts as repo
from storage.unit_of_work import UnitOfWork


class FormKind(enum.StrEnum):
    SAFETY_REVIEW = "safety_review"
    SAFETY_PLAN = "safety_plan"
    ESCALATION_START = "escalation_start"
    AMENDMENT = "amendment"
    # A team lead's forms, about the team rather than one person: kept with no person, one per open form.
    SUPERVISION = "supervision"
    LEARNING_REVIEW = "learning_review"
    CASE_AUDIT = "case_audit"

    @property
    def about_the_team(self) -> bool:
        return self in (FormKind.SUPERVISION, FormKind.LEARNING_REVIEW, FormKind.CASE_AUDIT)

    # An escalation's window open at a full lock (subject: the escalation): what was typed in its step and
    # follow-up forms, so unlocking reopens it where the worker was. Kept at the lock only; taken on reopening.
    ESCALATION_STEP = "escalation_step"


@dataclass(frozen=True, slots=True)
class FormDraft:
    id: uuid.UUID
    kind: FormKind
    person_id: uuid.UUID | None  # None: a team lead's form about the team
    subject_id: uuid.UUID | None
    fields: dict[str, Any] = field(repr=False)
    started_at: datetime
    updated_at: datetime
    kept_at_lock: bool

    @classmethod
    def from_row(cls, row: models.FormDraft) -> FormDraft:
        return cls(
            row.id, FormKind(row.kind), row.person_id, row.subject_id, dict(row.fields), row.started_at,
            row.updated_at, row.kept_at_lock,
        )  # fmt: skip

    def restored_message(self) -> str:
        """What the form says when it comes back, so the worker knows the text is theirs and when it was kept."""
        at = f"{self.updated_at.astimezone():%H:%M}"
        if self.kept_at_lock:
            return f"Restored what you were typing before the app locked at {at}. It is not saved yet."
        return f"Restored what you were typing at {at}, before Waymark closed. It is not saved yet."


# Stands in for the person in a team form's draft id (never stored: the row's person is NULL).
NO_PERSON = uuid.UUID(int=0)


def draft_id(kind: FormKind, person_id: uuid.UUID | None, subject_id: uuid.UUID | None = None) -> uuid.UUID:
    """One draft per open form: the same form for the same person (and subject) always has the same id. A
    team form has no person: its subject is the open form's own id, so two open at once are kept apart."""
    return derived_id(f"form-draft:{kind.value}", person_id or NO_PERSON, [subject_id] if subject_id else [])


class FormDraftService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def keep(
        self,
        kind: FormKind,
        person_id: uuid.UUID | None,
        fields: dict[str, Any],
        subject_id: uuid.UUID | None = None,
        *,
        at_lock: bool = False,
    ) -> FormDraft:
        """Keep ``fields`` (JSON values, as typed) for this form, replacing what was kept before."""
        now = self._clock.now()
        key = draft_id(kind, person_id, subject_id)
        with self._uow.write() as session:
            row = session.get(models.FormDraft, key)
            if row is None:
                row = models.FormDraft(
                    id=key, kind=kind.value, person_id=person_id, subject_id=subject_id, started_at=now
                )
                session.add(row)
            row.fields = dict(fields)
            row.updated_at = now
            row.kept_at_lock = at_lock
            session.flush()
            return FormDraft.from_row(row)

    def get(self, kind: FormKind, person_id: uuid.UUID | None, subject_id: uuid.UUID | None = None) -> FormDraft | None:
        with self._uow.read() as session:
            row = session.get(models.FormDraft, draft_id(kind, person_id, subject_id))
            return FormDraft.from_row(row) if row is not None else None

    def for_person(self, person_id: uuid.UUID) -> list[FormDraft]:
        with self._uow.read() as session:
            return [FormDraft.from_row(r) for r in repo.of_person(session, person_id)]

    def for_team(self) -> list[FormDraft]:
        """A team lead's forms kept unsaved (supervision, learning review, case audit)."""
        with self._uow.read() as session:
            return [FormDraft.from_row(r) for r in repo.of_team(session)]

    def discard(self, kind: FormKind, person_id: uuid.UUID | None, subject_id: uuid.UUID | None = None) -> None:
        """The form was saved, or the worker chose to discard what they typed."""
        with self._uow.write() as session:
            repo.remove(session, draft_id(kind, person_id, subject_id))
