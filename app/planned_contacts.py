"""Planned contacts: schedule one, reschedule or cancel it with a written reason, and "increase contact:
every N days until a date".

Every act is a new change record, never an update: a reschedule records the change on the earlier contact
and plans a new one in its place; an increase-contact plan is a record that the contacts it generates
name, and ending it early is a record too, which cancels (by record) those of its contacts still to come.
What each contact is now (planned, overdue, met, rescheduled, cancelled) is folded from the records by
``schedule``, the same rule ``storage.repo.planned_contacts`` states in SQL for the caseload.

A planned contact that passed with no note is overdue *work*: it joins the work-due list and the
caseload's counts. It is never a risk, a level or a colour.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from app import audit
from app.changes import Changed
from app.clock import Clock
from app.contact_notes import ContactMethod
from app.errors import InvalidInput, NotFound
from app.hours import LONDON
from app.ids import new_id
from app.labels import LabelledEnum
from app.write_path import WritePath
from storage import models
from storage.repo import planned_contacts as planned_repo
from storage.unit_of_work import Session, UnitOfWork

# The kinds of contact a worker plans (a note may record other methods: a letter, a third party).
PLANNED_METHODS = (ContactMethod.HOME_VISIT, ContactMethod.FACE_TO_FACE, ContactMethod.PHONE, ContactMethod.VIDEO)
# An increase-contact plan is a temporary step "until stability improves" (operating model, example 1): it
# has an end date within this, and at least daily contacts are the most it generates.
MAX_PLAN_DAYS = 92
MAX_EVERY_DAYS = 28


class PlannedStatus(LabelledEnum):
    PLANNED = "planned"
    OVERDUE = "overdue"  # its time (or window) passed and no note met it: work due, never a risk
    MET = "met"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


class Change(LabelledEnum):
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PlannedContactDraft:
    person_id: uuid.UUID
    due_at: datetime
    method: ContactMethod
    purpose: str = field(default="", repr=False)
    with_whom: str = field(default="", repr=False)
    window_end: datetime | None = None  # a window from due_at to this, instead of a time
    staff_id: uuid.UUID | None = None  # the worker who will make it; the author when None


@dataclass(frozen=True, slots=True)
class ContactPlanDraft:
    """Increase contact: every ``every_days`` days from ``starts_on`` until ``until`` (inclusive), at
    ``at`` London time."""

    person_id: uuid.UUID
    every_days: int
    starts_on: date
    until: date
    at: time
    method: ContactMethod
    reason: str = field(repr=False)
    purpose: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class PlannedContact:
    id: uuid.UUID
    person_id: uuid.UUID
    staff_id: uuid.UUID
    created_at: datetime
    due_at: datetime
    window_end: datetime | None
    method: str
    with_whom: str = field(repr=False)
    purpose: str = field(repr=False)
    contact_plan_id: uuid.UUID | None
    status: PlannedStatus
    change_reason: str | None = field(default=None, repr=False)  # why it was rescheduled or cancelled
    changed_at: datetime | None = None
    replacement_id: uuid.UUID | None = None  # the contact a reschedule planned in its place
    replaces_id: uuid.UUID | None = None  # the contact this one was rescheduled from
    replaces_reason: str | None = field(default=None, repr=False)
    met_by: uuid.UUID | None = None  # the note that met it

    @property
    def closes_at(self) -> datetime:
        return self.window_end or self.due_at

    @property
    def outstanding(self) -> bool:
        return self.status in (PlannedStatus.PLANNED, PlannedStatus.OVERDUE)


@dataclass(frozen=True, slots=True)
class ContactPlan:
    id: uuid.UUID
    person_id: uuid.UUID
    created_at: datetime
    every_days: int
    starts_on: date
    until: date
    time_of_day: str
    method: str
    purpose: str = field(repr=False)
    reason: str = field(repr=False)
    ended_at: datetime | None = None
    end_reason: str | None = field(default=None, repr=False)

    def active(self, today: date) -> bool:
        return self.ended_at is None and today <= self.until


@dataclass(frozen=True, slots=True)
class Schedule:
    contacts: tuple[PlannedContact, ...]
    plans: tuple[ContactPlan, ...]

    @property
    def outstanding(self) -> list[PlannedContact]:
        """Still to happen or overdue, earliest first."""
        return [c for c in self.contacts if c.outstanding]

    @property
    def upcoming(self) -> list[PlannedContact]:
        return [c for c in self.contacts if c.status is PlannedStatus.PLANNED]

    @property
    def overdue(self) -> list[PlannedContact]:
        return [c for c in self.contacts if c.status is PlannedStatus.OVERDUE]

    def get(self, planned_id: uuid.UUID) -> PlannedContact:
        for c in self.contacts:
            if c.id == planned_id:
                return c
        raise NotFound("That planned contact is not on this device.")


def schedule(
    planned: Iterable[models.PlannedContact],
    changes: Iterable[models.PlannedContactChange],
    plans: Iterable[models.ContactPlan],
    plan_changes: Iterable[models.ContactPlanChange],
    met: Mapping[uuid.UUID, uuid.UUID],
    now: datetime,
) -> Schedule:
    """Each planned contact's state now, from the records alone. The first change recorded against a
    contact ends it (a second is refused when written; from two devices, recorded order decides)."""
    first_change: dict[uuid.UUID, models.PlannedContactChange] = {}
    for ch in sorted(changes, key=lambda c: (c.created_at, c.id)):
        first_change.setdefault(ch.planned_contact_id, ch)
    replaced_by = {ch.replacement_id: ch for ch in first_change.values() if ch.replacement_id is not None}
    contacts = []
    for row in sorted(planned, key=lambda p: (p.due_at, p.id)):
        ch = first_change.get(row.id)
        earlier = replaced_by.get(row.id)
        if row.id in met:
            status = PlannedStatus.MET
        elif ch is not None:
            status = PlannedStatus(ch.change)
        elif (row.window_end or row.due_at) < now:
            status = PlannedStatus.OVERDUE
        else:
            status = PlannedStatus.PLANNED
        contacts.append(
            PlannedContact(
                id=row.id,
                person_id=row.person_id,
                staff_id=row.staff_id,
                created_at=row.created_at,
                due_at=row.due_at,
                window_end=row.window_end,
                method=row.method,
                with_whom=row.with_whom,
                purpose=row.purpose,
                contact_plan_id=row.contact_plan_id,
                status=status,
                change_reason=ch.reason if ch is not None else None,
                changed_at=ch.created_at if ch is not None else None,
                replacement_id=ch.replacement_id if ch is not None else None,
                replaces_id=earlier.planned_contact_id if earlier is not None else None,
                replaces_reason=earlier.reason if earlier is not None else None,
                met_by=met.get(row.id),
            )
        )
    ended: dict[uuid.UUID, models.ContactPlanChange] = {}
    for pc in sorted(plan_changes, key=lambda c: (c.created_at, c.id)):
        ended.setdefault(pc.contact_plan_id, pc)
    folded_plans = tuple(
        ContactPlan(
            id=p.id,
            person_id=p.person_id,
            created_at=p.created_at,
            every_days=p.every_days,
            starts_on=p.starts_on,
            until=p.until,
            time_of_day=p.time_of_day,
            method=p.method,
            purpose=p.purpose,
            reason=p.reason,
            ended_at=ended[p.id].created_at if p.id in ended else None,
            end_reason=ended[p.id].reason if p.id in ended else None,
        )
        for p in plans
    )
    return Schedule(tuple(contacts), folded_plans)


def plan_dates(starts_on: date, until: date, every_days: int) -> list[date]:
    """The dates an increase-contact plan generates: its first day, then every N days, up to its end."""
    days = (until - starts_on).days
    return [starts_on + timedelta(days=d) for d in range(0, days + 1, every_days)]


@dataclass(frozen=True, slots=True)
class Cancelled:
    """What a cancel did. ``nothing_left`` is the hazard control: after it, no contact is planned with the
    person at all, so the worker is told and asked to plan the next one (HAZ-29)."""

    contact: PlannedContact
    nothing_left: bool


class PlannedContactService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor) -> None:
        self._uow = uow
        self._clock = clock
        self._writes = WritePath(uow, clock, actor)

    def for_person(self, person_id: uuid.UUID) -> Schedule:
        with self._uow.read() as session:
            return _schedule_in(session, person_id, self._clock.now())

    def plan(self, draft: PlannedContactDraft) -> tuple[PlannedContact, Changed]:
        _check_contact(draft.method, draft.due_at, draft.window_end)
        now = self._clock.now()
        _check_future(draft.due_at, draft.window_end, now)
        with self._writes.person(draft.person_id, "planned contacts", now) as w:
            row = self._row(w.staff_id, w.device_id, w.now, draft, None)
            w.record(row)
            changed = w.changed
        return self.for_person(draft.person_id).get(row.id), Changed.PERSON | Changed.CASELOAD | changed

    def reschedule(
        self, planned_id: uuid.UUID, due_at: datetime, reason: str, window_end: datetime | None = None
    ) -> tuple[PlannedContact, Changed]:
        """Record why the contact moved and plan it anew at ``due_at``; returns the new contact."""
        reason = _reason(reason, "Why it is rescheduled")
        _check_window(due_at, window_end)
        now = self._clock.now()
        _check_future(due_at, window_end, now)
        with self._writes.about(
            models.PlannedContact, planned_id, "planned contacts", "That planned contact is not on this device.", now
        ) as (w, old):
            _refuse_if_ended(_schedule_in(w.session, old.person_id, w.now), planned_id)
            draft = PlannedContactDraft(
                old.person_id, due_at, ContactMethod(old.method), old.purpose, old.with_whom, window_end, old.staff_id
            )
            new = self._row(w.staff_id, w.device_id, w.now, draft, old.contact_plan_id)
            w.record(new)
            w.record(
                models.PlannedContactChange(
                    id=new_id(),
                    planned_contact_id=planned_id,
                    person_id=old.person_id,
                    author_id=w.staff_id,
                    device_id=w.device_id,
                    created_at=w.now,
                    change=Change.RESCHEDULED.value,
                    reason=reason,
                    due_at=due_at,
                    replacement_id=new.id,
                )
            )
            person_id, changed = old.person_id, w.changed
        return self.for_person(person_id).get(new.id), Changed.PERSON | Changed.CASELOAD | changed

    def cancel(self, planned_id: uuid.UUID, reason: str) -> tuple[Cancelled, Changed]:
        reason = _reason(reason, "Why it is cancelled")
        with self._writes.about(
            models.PlannedContact, planned_id, "planned contacts", "That planned contact is not on this device."
        ) as (w, old):
            _refuse_if_ended(_schedule_in(w.session, old.person_id, w.now), planned_id)
            w.record(self._change(w.staff_id, w.device_id, w.now, old, reason))
            person_id, changed = old.person_id, w.changed
        after = self.for_person(person_id)
        return Cancelled(after.get(planned_id), not after.upcoming), Changed.PERSON | Changed.CASELOAD | changed

    def increase(self, draft: ContactPlanDraft) -> tuple[ContactPlan, Changed]:
        """Record the plan and every contact it generates, in one transaction."""
        reason = _reason(draft.reason, "Why contact is increased")
        if draft.method not in PLANNED_METHODS:
            raise InvalidInput("Kind of contact", "must be a visit, a phone call or a video call")
        if not 1 <= draft.every_days <= MAX_EVERY_DAYS:
            raise InvalidInput("Every", f"must be between 1 and {MAX_EVERY_DAYS} days")
        if draft.until < draft.starts_on:
            raise InvalidInput("Until", "must be on or after the first day")
        if (draft.until - draft.starts_on).days > MAX_PLAN_DAYS:
            raise InvalidInput("Until", f"must be within {MAX_PLAN_DAYS} days: review the plan then, and renew it")
        now = self._clock.now()
        dates = [
            d for d in plan_dates(draft.starts_on, draft.until, draft.every_days)
            if datetime.combine(d, draft.at, LONDON) > now
        ]  # fmt: skip
        if not dates:
            raise InvalidInput("Until", "leaves no contact still to come")
        with self._writes.person(draft.person_id, "planned contacts", now) as w:
            plan = models.ContactPlan(
                id=new_id(),
                person_id=draft.person_id,
                author_id=w.staff_id,
                device_id=w.device_id,
                created_at=now,
                staff_id=w.staff_id,
                every_days=draft.every_days,
                starts_on=draft.starts_on,
                until=draft.until,
                time_of_day=draft.at.strftime("%H:%M"),
                method=draft.method.value,
                purpose=draft.purpose.strip(),
                reason=reason,
            )
            w.record(plan)
            for day in dates:
                due = datetime.combine(day, draft.at, LONDON)
                contact = PlannedContactDraft(draft.person_id, due, draft.method, draft.purpose)
                w.record(self._row(w.staff_id, w.device_id, now, contact, plan.id))
            changed = w.changed
        return _plan_in(self.for_person(draft.person_id), plan.id), Changed.PERSON | Changed.CASELOAD | changed

    def end_plan(self, plan_id: uuid.UUID, reason: str) -> tuple[ContactPlan, Changed]:
        """End an increase-contact plan early: a record of why, and a cancellation of each of its
        contacts still to come (contacts already overdue stay overdue: they were due and missed)."""
        reason = _reason(reason, "Why increased contact ends early")
        with self._writes.about(
            models.ContactPlan, plan_id, "planned contacts", "That increase-contact plan is not on this device."
        ) as (w, plan):
            person_id = plan.person_id
            if _plan_in(_schedule_in(w.session, person_id, w.now), plan_id).ended_at is not None:
                raise InvalidInput("Increased contact", "has already ended")
            w.record(
                models.ContactPlanChange(
                    id=new_id(),
                    contact_plan_id=plan_id,
                    person_id=person_id,
                    author_id=w.staff_id,
                    device_id=w.device_id,
                    created_at=w.now,
                    change="ended",
                    reason=reason,
                )
            )
            for c in _schedule_in(w.session, person_id, w.now).upcoming:
                if c.contact_plan_id == plan_id:
                    old = w.session.get(models.PlannedContact, c.id)
                    assert old is not None
                    w.record(self._change(w.staff_id, w.device_id, w.now, old, f"Increased contact ended: {reason}"))
            changed = w.changed
        return _plan_in(self.for_person(person_id), plan_id), Changed.PERSON | Changed.CASELOAD | changed

    @staticmethod
    def _row(
        author: uuid.UUID, device: uuid.UUID, now: datetime, draft: PlannedContactDraft, plan_id: uuid.UUID | None
    ) -> models.PlannedContact:
        return models.PlannedContact(
            id=new_id(),
            person_id=draft.person_id,
            author_id=author,
            device_id=device,
            created_at=now,
            staff_id=draft.staff_id or author,
            due_at=draft.due_at,
            window_end=draft.window_end,
            method=draft.method.value,
            with_whom=draft.with_whom.strip(),
            purpose=draft.purpose.strip(),
            contact_plan_id=plan_id,
        )

    @staticmethod
    def _change(
        author: uuid.UUID, device: uuid.UUID, now: datetime, old: models.PlannedContact, reason: str
    ) -> models.PlannedContactChange:
        return models.PlannedContactChange(
            id=new_id(),
            planned_contact_id=old.id,
            person_id=old.person_id,
            author_id=author,
            device_id=device,
            created_at=now,
            change=Change.CANCELLED.value,
            reason=reason,
            due_at=None,
            replacement_id=None,
        )


def _schedule_in(session: Session, person_id: uuid.UUID, now: datetime) -> Schedule:
    found = planned_repo.of_person(session, person_id)
    return schedule(found.planned, found.changes, found.plans, found.plan_changes, found.met, now)


def _plan_in(current: Schedule, plan_id: uuid.UUID) -> ContactPlan:
    for p in current.plans:
        if p.id == plan_id:
            return p
    raise NotFound("That increase-contact plan is not on this device.")


def _refuse_if_ended(current: Schedule, planned_id: uuid.UUID) -> None:
    status = current.get(planned_id).status
    if status is PlannedStatus.MET:
        raise InvalidInput("Planned contact", "has already been met by a contact note")
    if status in (PlannedStatus.RESCHEDULED, PlannedStatus.CANCELLED):
        raise InvalidInput("Planned contact", f"was already {status.value}")


def _reason(text: str, label: str) -> str:
    if not text.strip():
        raise InvalidInput(label, "is required: write why, in a few words")
    return text.strip()


def _check_window(due_at: datetime, window_end: datetime | None) -> None:
    if due_at.tzinfo is None:
        raise ValueError("a planned contact's time must be timezone-aware")
    if window_end is not None and window_end <= due_at:
        raise InvalidInput("Window ends", "must be after it starts")


def _check_future(due_at: datetime, window_end: datetime | None, now: datetime) -> None:
    # A contact planned in the past would be overdue the moment it was saved: what happened is a note.
    if (window_end or due_at) <= now:
        raise InvalidInput("When", "is in the past: plan a time still to come, or record what happened as a note")


def _check_contact(method: ContactMethod, due_at: datetime, window_end: datetime | None) -> None:
    if method not in PLANNED_METHODS:
        raise InvalidInput("Kind of contact", "must be a visit, a phone call or a video call")
    _check_window(due_at, window_end)
