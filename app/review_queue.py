"""The team lead's review queue: the team's synced notes, safety reviews and escalations not yet reviewed.

Ordered by process and work due, never by anything about the person: open escalations where nobody who
can act has been reached come first, then open welfare checks, escalations from out of hours that nobody
has picked up yet, and missed contacts; then everything else; within each, oldest first. Only a team lead
may open it (anyone else is refused, and the attempt is audited); opening it is audited as a view.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from app import audit
from app.clock import Clock
from app.contact_notes import MISSED_OUTCOMES, ContactMethod, Outcome
from app.escalations import Escalation, EscalationKind, EscalationService
from app.hours import Period
from app.write_path import WritePath
from storage import models
from storage.repo import lead_records as repo
from storage.unit_of_work import UnitOfWork


class ItemKind(enum.StrEnum):
    CONTACT_NOTE = "contact_note"
    SAFETY_REVIEW = "safety_review"
    ESCALATION = "escalation"
    WELFARE_CHECK = "welfare_check"

    @property
    def label(self) -> str:
        return {"contact_note": "Contact note", "safety_review": "Safety review", "escalation": "Escalation",
                "welfare_check": "Welfare check"}[self.value]  # fmt: skip


# The groups, in order: what needs someone now, then handover and missed-contact work, then the rest.
NOBODY_REACHED, FOLLOW_THROUGH, ROUTINE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Review:
    reviewer: str
    at: datetime
    comment: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class QueueItem:
    record_id: uuid.UUID
    kind: ItemKind
    person_id: uuid.UUID
    person: str = field(repr=False)
    author_id: uuid.UUID
    author: str = field(repr=False)
    at: datetime  # when it happened: contact start, review time, or when the concern was identified
    summary: str = field(repr=False)
    detail: str = field(repr=False)
    reviews: tuple[Review, ...] = ()
    nobody_reached: bool = False  # an open escalation where nobody who can act has been reached
    open_welfare_check: bool = False
    out_of_hours: bool = False  # an escalation opened out of hours
    missed_contact: bool = False

    @property
    def reviewed(self) -> bool:
        return bool(self.reviews)

    @property
    def waiting_for_working_day(self) -> bool:
        """Opened out of hours and not picked up by the team yet (a lead's review picks it up)."""
        return self.out_of_hours and not self.reviewed

    @property
    def group(self) -> int:
        if self.nobody_reached:
            return NOBODY_REACHED
        if self.open_welfare_check or self.waiting_for_working_day or self.missed_contact:
            return FOLLOW_THROUGH
        return ROUTINE

    @property
    def state(self) -> str:
        """Process state in words, for the queue's column: never a judgement about the person."""
        parts = []
        if self.nobody_reached:
            parts.append("Open: nobody who can act reached yet")
        if self.open_welfare_check:
            parts.append("Welfare check open")
        if self.waiting_for_working_day:
            parts.append("For the team's next working day")
        if self.missed_contact:
            parts.append("Missed contact")
        if self.reviewed:
            parts.append("Reviewed")
        return "; ".join(parts)


def ordered(items: Iterable[QueueItem]) -> list[QueueItem]:
    """Work-due order: group first, then oldest first, then by id so the order is total."""
    return sorted(items, key=lambda i: (i.group, i.at, str(i.record_id)))


@dataclass(frozen=True, slots=True)
class QueueFilter:
    worker_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    kinds: frozenset[ItemKind] = frozenset(ItemKind)
    date_from: date | None = None
    date_to: date | None = None
    include_reviewed: bool = False

    def admits(self, item: QueueItem) -> bool:
        return (
            (self.worker_id is None or item.author_id == self.worker_id)
            and (self.person_id is None or item.person_id == self.person_id)
            and item.kind in self.kinds
            and (self.date_from is None or item.at.date() >= self.date_from)
            and (self.date_to is None or item.at.date() <= self.date_to)
            and (self.include_reviewed or not item.reviewed)
        )


def select_items(items: Sequence[QueueItem], chosen: QueueFilter) -> list[QueueItem]:
    return ordered(i for i in items if chosen.admits(i))


@dataclass(frozen=True, slots=True)
class _Known:
    persons: dict[uuid.UUID, str]
    staff: dict[uuid.UUID, tuple[str, str]]
    reviews: dict[uuid.UUID, list[Review]]

    def who(self, staff_id: uuid.UUID) -> str:
        return self.staff.get(staff_id, ("Someone not on this laptop", ""))[0]

    def item(self, record_id: uuid.UUID, kind: ItemKind, person_id: uuid.UUID, author_id: uuid.UUID, at: datetime,
             summary: str, detail: str, **flags: bool) -> QueueItem:  # fmt: skip
        return QueueItem(record_id, kind, person_id, self.persons.get(person_id, ""), author_id, self.who(author_id),
                         at, summary, detail, tuple(self.reviews.get(record_id, ())), **flags)  # fmt: skip


class ReviewQueueService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor, escalations: EscalationService) -> None:
        self._uow = uow
        self._clock = clock
        self._actor = actor
        self._writes = WritePath(uow, clock, actor)
        self._escalations = escalations

    def items(self) -> list[QueueItem]:
        """Every reviewable record on this laptop (reviewed ones included), in work-due order.

        Refused, and audited, unless the user is a team lead; opening it is audited as a view."""
        now = self._clock.now()
        self._writes.require_lead("the review queue", "review_queue", now, doing="open")
        with self._uow.read() as session:
            staff = repo.staff_roles(session)
            reviews: dict[uuid.UUID, list[Review]] = {}
            for r in repo.all_reviews(session):
                name = staff.get(r.author_id, ("Someone not on this laptop", ""))[0]
                reviews.setdefault(r.reviewed_id, []).append(Review(name, r.created_at, r.comment))
            known = _Known(repo.person_names(session), staff, reviews)
            items = [_note(known, n) for n in repo.signed_notes(session)]
            items += [_safety_review(known, r) for r in repo.safety_reviews(session)]
            authors = {e: repo.escalation_author(session, e) for e in repo.escalation_ids(session)}
        criteria = self._escalations.config.pathways.criteria
        wording = {c.code: c.wording for c in criteria.criteria} if criteria else {}
        items += [_escalation(known, self._escalations.get(e), author, wording) for e, author in authors.items()]
        with self._uow.write() as session:
            audit.append(session, self._actor, audit.AuditAction.VIEW, now, "review_queue")
        return ordered(items)


def _note(known: _Known, n: models.ContactNote) -> QueueItem:
    outcome = Outcome(n.outcome)
    steps = ", ".join(str(s) for s in n.plan_steps_used)
    summary = f"{ContactMethod(n.method).label}: {outcome.label.lower()}" + (
        f"; plan steps {steps} used" if steps else ""
    )
    detail = n.narrative + (f"\n\nNext: {n.next_action}" if n.next_action else "")
    return known.item(n.id, ItemKind.CONTACT_NOTE, n.person_id, n.author_id, n.contact_start, summary, detail,
                      missed_contact=outcome in MISSED_OUTCOMES)  # fmt: skip


def _safety_review(known: _Known, r: models.SafetyReview) -> QueueItem:
    summary = f"Safety review ({r.trigger.replace('_', ' ')}); plan {'reviewed' if r.plan_reviewed else 'not reviewed'}"
    detail = f"What changed: {r.what_changed}\n\nWhy it matters: {r.why_it_matters}"
    return known.item(r.id, ItemKind.SAFETY_REVIEW, r.person_id, r.author_id, r.created_at, summary, detail)


def _escalation(known: _Known, e: Escalation, author: uuid.UUID, wording: dict[str, str]) -> QueueItem:
    welfare = e.kind is EscalationKind.WELFARE_CHECK
    state = "closed" if not e.is_open else ("open, someone who can act reached" if e.reached_anyone else "open")
    summary = f"{'Welfare check' if welfare else 'Escalation'} ({e.period.period.value.replace('-', ' ')}): {state}"
    # In the organisation's words, as the worker ticked them; a criterion since withdrawn by its code.
    criteria = "; ".join(wording.get(c, c) for c in e.criteria) or "none (raised by the missed-contact policy)"
    detail = f"Criteria met: {criteria}\n\nWhy: {e.rationale}\n\n{e.period}"
    return known.item(
        e.id, ItemKind.WELFARE_CHECK if welfare else ItemKind.ESCALATION, e.person_id, author, e.identified_at,
        summary, detail, nobody_reached=e.is_open and not e.reached_anyone and not welfare,
        open_welfare_check=welfare and e.is_open, out_of_hours=e.period.period is Period.OUT_OF_HOURS,
    )  # fmt: skip
