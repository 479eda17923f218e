"""Contact notes: drafted, then signed and immutable; changed only by amendments that keep the original."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from app import audit
from app.changes import Changed
from app.clock import Clock
from app.errors import InvalidInput, NotFound, RecordImmutable
from app.ids import new_id
from app.labels import LabelledEnum
from app.safety_plans import Step, current_revision
from app.time_bounds import check_contact_times
from app.write_path import Write, WritePath
from storage import models
from storage.repo import notes as notes_repo
from storage.unit_of_work import Session, UnitOfWork

if TYPE_CHECKING:
    from app.missed_contacts import MissedContactService


class ContactMethod(LabelledEnum):
    HOME_VISIT = "home_visit"
    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    VIDEO = "video"
    TEXT = "text"
    LETTER = "letter"
    THIRD_PARTY = "third_party"


class Outcome(LabelledEnum):
    SEEN = "seen"
    SPOKEN_TO = "spoken_to"
    NO_ANSWER = "no_answer"
    NOT_AT_HOME = "not_at_home"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    THIRD_PARTY_ONLY = "third_party_only"


# Outcomes where the planned contact did not happen; the missed-contact policy counts these.
MISSED_OUTCOMES = frozenset({Outcome.NO_ANSWER, Outcome.NOT_AT_HOME})


class AmendmentKind(LabelledEnum):
    ADDENDUM = "addendum"
    CORRECTION = "correction"
    ENTERED_IN_ERROR = "entered_in_error"


@dataclass(frozen=True, slots=True)
class NotePolicy:
    # Recorded later than this after the contact ended, a note is a late entry and needs a reason.
    late_entry_after: timedelta = timedelta(hours=24)
    # A device clock a little ahead of the worker's watch must not block a note.
    future_tolerance: timedelta = timedelta(minutes=5)
    # A note not tied to a planned contact meets the earliest unmet one due this close to it, so recording
    # the visit clears "overdue" (and a missed visit is counted as that planned contact's miss).
    planned_match_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class NoteDraft:
    person_id: uuid.UUID
    contact_start: datetime
    contact_end: datetime
    # None until the worker chooses: the form never picks one for them, so a tired "phoned, no answer" cannot
    # be signed as a home visit where the person was seen. Only an unsigned draft may keep None.
    method: ContactMethod | None
    outcome: Outcome | None
    narrative: str = field(repr=False)
    plan_steps_used: Sequence[int] = ()
    next_action: str | None = field(default=None, repr=False)
    next_action_due: datetime | None = None
    late_entry_reason: str | None = field(default=None, repr=False)
    planned_contact_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Amendment:
    id: uuid.UUID
    note_id: uuid.UUID
    kind: AmendmentKind
    reason: str = field(repr=False)
    text: str = field(repr=False)
    author_id: uuid.UUID
    created_at: datetime

    @classmethod
    def from_row(cls, row: models.NoteAmendment) -> Amendment:
        return cls(row.id, row.note_id, AmendmentKind(row.kind), row.reason, row.text, row.author_id, row.created_at)


@dataclass(frozen=True, slots=True)
class Note:
    id: uuid.UUID
    person_id: uuid.UUID
    author_id: uuid.UUID
    contact_start: datetime
    contact_end: datetime
    recorded_at: datetime
    late_entry: bool
    late_entry_reason: str | None = field(repr=False)
    method: ContactMethod | None  # None only on an unsigned draft kept before one was chosen
    outcome: Outcome | None
    narrative: str = field(repr=False)
    plan_revision_id: uuid.UUID | None
    plan_steps_used: tuple[int, ...]
    next_action: str | None = field(repr=False)
    next_action_due: datetime | None
    signed_at: datetime | None
    planned_contact_id: uuid.UUID | None
    amendments: tuple[Amendment, ...] = ()

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    @property
    def entered_in_error(self) -> bool:
        return any(a.kind is AmendmentKind.ENTERED_IN_ERROR for a in self.amendments)

    @classmethod
    def from_row(cls, row: models.ContactNote, amendments: Sequence[Amendment] = ()) -> Note:
        return cls(
            id=row.id,
            person_id=row.person_id,
            author_id=row.author_id,
            contact_start=row.contact_start,
            contact_end=row.contact_end,
            recorded_at=row.recorded_at,
            late_entry=row.late_entry,
            late_entry_reason=row.late_entry_reason,
            method=ContactMethod(row.method) if row.method else None,
            outcome=Outcome(row.outcome) if row.outcome else None,
            narrative=row.narrative,
            plan_revision_id=row.plan_revision_id,
            plan_steps_used=tuple(row.plan_steps_used),
            next_action=row.next_action,
            next_action_due=row.next_action_due,
            signed_at=row.signed_at,
            planned_contact_id=row.planned_contact_id,
            amendments=tuple(amendments),
        )


class ContactNoteService:
    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        actor: audit.Actor,
        policy: NotePolicy | None = None,
        missed_contacts: MissedContactService | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._writes = WritePath(uow, clock, actor)
        self.policy = policy or NotePolicy()
        # Applied in the same transaction as the note, so a missed contact and its consequences (an episode,
        # a welfare check) are saved together or not at all.
        self._missed = missed_contacts

    def _apply_missed_contact_policy(self, w: Write) -> Changed:
        if self._missed is None:
            return Changed(0)
        self._missed.refresh(w)
        return Changed.CASELOAD | Changed.PERSON | w.changed

    def is_late(self, contact_end: datetime, recorded_at: datetime | None = None) -> bool:
        return (recorded_at or self._clock.now()) - contact_end > self.policy.late_entry_after

    def check_signable(self, draft: NoteDraft, now: datetime) -> tuple[bool, str | None]:
        """Raise InvalidInput unless ``draft`` may be signed now; return (late entry, its reason)."""
        require_chosen(draft)
        if not draft.narrative.strip():
            raise InvalidInput("What happened", "is required")
        for label, value in (("Contact start", draft.contact_start), ("Contact end", draft.contact_end)):
            if value.tzinfo is None:
                raise InvalidInput(label, "needs a time zone")
        if draft.contact_end < draft.contact_start:
            raise InvalidInput("Contact end", "is before the contact start")
        if draft.contact_end > now + self.policy.future_tolerance:
            raise InvalidInput("Contact end", "is in the future")
        check_contact_times(draft.contact_start, draft.contact_end, self._record_since(draft.person_id))
        late = self.is_late(draft.contact_end, now)
        reason = (draft.late_entry_reason or "").strip() or None
        if late and not reason:
            raise InvalidInput(
                "Reason for late entry",
                f"is required for a note recorded more than {_hours(self.policy.late_entry_after)} after the contact",
            )
        if draft.next_action_due is not None and not (draft.next_action or "").strip():
            raise InvalidInput("Next action", "is required when a due time is given")
        return late, reason

    def _record_since(self, person_id: uuid.UUID) -> datetime | None:
        with self._uow.read() as session:
            person = session.get(models.Person, person_id)
            return person.created_at if person is not None else None

    def record(self, draft: NoteDraft, *, sign: bool = True) -> tuple[Note, Changed]:
        """Save a note (signed unless ``sign`` is False). Durable once this returns."""
        now = self._clock.now()
        narrative = draft.narrative.strip()
        late, reason = self.check_signable(draft, now)
        with self._writes.person(draft.person_id, "contact notes", now) as w:
            session = w.session
            plan = current_revision(session, draft.person_id)
            steps = sorted(set(draft.plan_steps_used))
            if steps and plan is None:
                raise InvalidInput("Safety plan steps used", "cannot be given: this person has no safety plan")
            valid_steps = {int(s) for s in Step}
            if any(s not in valid_steps for s in steps):
                raise InvalidInput("Safety plan steps used", "must be step numbers 1 to 9")
            row = models.ContactNote(
                id=new_id(),
                person_id=draft.person_id,
                author_id=w.staff_id,
                device_id=w.device_id,
                planned_contact_id=draft.planned_contact_id
                or self._planned_contact_met(session, draft.person_id, draft.contact_start),
                contact_start=draft.contact_start,
                contact_end=draft.contact_end,
                recorded_at=now,
                late_entry=late,
                late_entry_reason=reason,
                method=_chosen(draft.method).value,
                outcome=_chosen(draft.outcome).value,
                narrative=narrative,
                plan_revision_id=plan.id if plan else None,
                plan_steps_used=steps,
                next_action=(draft.next_action or "").strip() or None,
                next_action_due=draft.next_action_due,
                signed_at=now if sign else None,
            )
            # Only signed notes leave the device: a draft is still the worker's to finish.
            w.record(row, queue=sign)
            if sign:
                w.audit(row, audit.AuditAction.SIGN)
                self._apply_missed_contact_policy(w)
            return Note.from_row(row), Changed.PERSON | Changed.CASELOAD | w.changed

    def _planned_contact_met(self, session: Session, person_id: uuid.UUID, at: datetime) -> uuid.UUID | None:
        return notes_repo.unmet_planned_contact_near(session, person_id, at, self.policy.planned_match_window)

    def sign(self, note_id: uuid.UUID) -> tuple[Note, Changed]:
        now = self._clock.now()
        with self._writes.about(models.ContactNote, note_id, "contact notes", _MISSING, now) as (w, row):
            if row.signed_at is not None:
                raise RecordImmutable("This note is already signed; to change it, add an amendment.")
            # Signing is the one change a draft allows; from here the note is a record and never changes.
            row.signed_at = now
            w.queue(row)
            w.audit(row, audit.AuditAction.SIGN)
            changed = self._apply_missed_contact_policy(w)
            return Note.from_row(row), Changed.PERSON | Changed.OUTBOX | changed | w.changed

    def amend(self, note_id: uuid.UUID, kind: AmendmentKind, reason: str, text: str) -> tuple[Amendment, Changed]:
        now = self._clock.now()
        if not reason.strip():
            raise InvalidInput("Reason for amendment", "is required")
        if kind is not AmendmentKind.ENTERED_IN_ERROR and not text.strip():
            raise InvalidInput("Amendment text", "is required")
        with self._writes.about(models.ContactNote, note_id, "amendments", _MISSING, now) as (w, note):
            if note.signed_at is None:
                raise InvalidInput("Amendment", "applies to signed notes only; edit the draft instead")
            row = models.NoteAmendment(
                id=new_id(),
                note_id=note_id,
                person_id=note.person_id,
                author_id=w.staff_id,
                device_id=w.device_id,
                created_at=now,
                kind=kind.value,
                reason=reason.strip(),
                text=text.strip(),
            )
            w.record(row, audit.AuditAction.AMEND)
            changed = Changed(0)
            if kind is AmendmentKind.ENTERED_IN_ERROR:
                w.session.flush()
                changed = self._apply_missed_contact_policy(w)
            return Amendment.from_row(row), Changed.PERSON | Changed.OUTBOX | changed | w.changed

    def get(self, note_id: uuid.UUID) -> Note:
        with self._uow.read() as session:
            row = session.get(models.ContactNote, note_id)
            if row is None:
                raise NotFound(_MISSING)
            return Note.from_row(row, [Amendment.from_row(a) for a in notes_repo.amendments_of(session, [note_id])])

    def timeline(self, person_id: uuid.UUID, limit: int | None = None) -> list[Note]:
        """The person's notes, newest contact first, each with its amendments."""
        with self._uow.read() as session:
            rows = notes_repo.timeline(session, person_id, limit)
            by_note: dict[uuid.UUID, list[Amendment]] = {}
            for a in notes_repo.amendments_of(session, [r.id for r in rows]):
                by_note.setdefault(a.note_id, []).append(Amendment.from_row(a))
            return [Note.from_row(r, by_note.get(r.id, ())) for r in rows]


_MISSING = "That note is not on this device."


def require_chosen(draft: NoteDraft) -> None:
    """Raise InvalidInput (naming the field) unless the worker chose both the method and the outcome."""
    if draft.method is None:
        raise InvalidInput("Method", "is not chosen yet: choose how the contact was made")
    if draft.outcome is None:
        raise InvalidInput("Outcome", "is not chosen yet: choose what happened (seen, spoken to, no answer…)")


_E = TypeVar("_E", ContactMethod, Outcome)


def _chosen(value: _E | None) -> _E:
    # check_signable has refused a note without a method or an outcome before any write reaches here.
    assert value is not None
    return value


def _hours(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours} hours" if hours != 1 else "1 hour"
