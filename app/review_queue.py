"""The team lead's review queue: the team's synced notes, safety reviews and escalations not yet reviewed.

Ordered by process and work due, never by anything about the person: open escalations and welfare checks
where nobody who can act has been reached come first, then open welfare checks, escalations from out of
hours that nobody has picked up yet, and missed contacts; then everything else. Where nobody has been reached,
oldest first (it has waited longest); within the other groups newest first, so the night's work is at the top
of a lead's morning and older work is a scroll away, not 300 rows down. By default the queue shows what
happened since the lead last reviewed (a lead who has never reviewed: the last 14 days, the review-coverage
window) and says how many older records are not yet reviewed.
A review does not take an open escalation or welfare check where nobody who can act has been reached out of
the queue: the review is recorded and shown, and the item stays at the top, saying why, until someone who
can act is reached or it is closed. Only a team lead may open the queue (anyone else is refused, and the
attempt is audited); opening it is audited as a view.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from app import audit
from app.clock import Clock
from app.contact_notes import MISSED_OUTCOMES, AmendmentKind, ContactMethod, Outcome
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
class AmendmentShown:
    """An amendment of a signed note (addendum, correction, entered in error), as the lead must see it: a lead
    reviewing the original alone could pass a false record as valid."""

    kind: AmendmentKind
    author: str = field(repr=False)
    at: datetime
    reason: str = field(repr=False)
    text: str = field(repr=False)

    def describe(self) -> str:
        text = f": {self.text}" if self.text.strip() else ""
        return f"{self.kind.label} by {self.author}, {self.at.astimezone():%a %d %b %H:%M}{text}\nReason: {self.reason}"


NOBODY_REACHED_WORDS = "Open — nobody who can act has been reached yet"
STAYS_WORDS = (
    "Reviewed, and kept at the top of the queue: it is still open and nobody who can act has been reached. "
    "It leaves the queue once someone who can act is reached or it is closed."
)


@dataclass(frozen=True, slots=True)
class OverdueStep:
    """A required step on the path taken, not done, and past its local standard's time."""

    step: str = field(repr=False)  # the pathway's words for the step
    due_by: datetime
    overdue_by: timedelta

    def describe(self) -> str:
        return f"Overdue by {in_words(self.overdue_by)}: {self.step}"


def in_words(delta: timedelta) -> str:
    """A duration as a person says it: "2 hours 5 minutes", "1 day 3 hours", "under a minute"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(days, "day"), (hours, "hour")] + ([(minutes, "minute")] if not days else [])
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n)


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
    nobody_reached: bool = False  # an open escalation or welfare check where nobody who can act has been reached
    open_welfare_check: bool = False
    out_of_hours: bool = False  # an escalation opened out of hours
    missed_contact: bool = False
    overdue_steps: tuple[OverdueStep, ...] = ()  # required steps past their time (open escalations only)
    amendments: tuple[AmendmentShown, ...] = ()  # a contact note's, oldest first

    @property
    def entered_in_error(self) -> bool:
        return any(a.kind is AmendmentKind.ENTERED_IN_ERROR for a in self.amendments)

    @property
    def amended_since_review(self) -> bool:
        """Amended after the latest review: what the lead reviewed is not what the record now says."""
        return bool(self.reviews and self.amendments) and self.amendments[-1].at > max(r.at for r in self.reviews)

    @property
    def reviewed(self) -> bool:
        return bool(self.reviews) and not self.amended_since_review

    @property
    def stays_after_review(self) -> bool:
        """Reviewed, but still in the queue (at the top): open, and nobody who can act reached."""
        return self.reviewed and self.nobody_reached

    def attention(self) -> list[str]:
        """What the lead must see first about this item, in plain words (empty for routine records)."""
        if not self.nobody_reached:
            return []
        lines = [NOBODY_REACHED_WORDS] + [s.describe() for s in self.overdue_steps]
        return lines + ([STAYS_WORDS] if self.reviewed else [])

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
        if self.entered_in_error:
            parts.append("Entered in error")
        elif self.amendments:
            parts.append(", ".join(dict.fromkeys(a.kind.label for a in self.amendments)) + " added")
        if self.nobody_reached:
            parts.append(NOBODY_REACHED_WORDS)
        if self.overdue_steps:
            parts.append(f"a step overdue by {in_words(max(s.overdue_by for s in self.overdue_steps))}")
        if self.open_welfare_check:
            parts.append("Welfare check open")
        if self.waiting_for_working_day:
            parts.append("For the team's next working day")
        if self.missed_contact:
            parts.append("Missed contact")
        if self.stays_after_review:
            parts.append("Reviewed, stays until someone who can act is reached")
        elif self.reviewed:
            parts.append("Reviewed")
        elif self.amended_since_review:
            parts.append("Amended since it was reviewed")
        return "; ".join(parts)


def ordered(items: Iterable[QueueItem]) -> list[QueueItem]:
    """Work-due order: group first; nobody reached oldest first, every other group newest first; then by id so
    the order is total."""

    def key(i: QueueItem) -> tuple[int, float, str]:
        when = i.at.timestamp()
        return (i.group, when if i.group == NOBODY_REACHED else -when, str(i.record_id))

    return sorted(items, key=key)


# A lead who has never reviewed anything starts on this many days back: the window the review-coverage
# measure gives a lead to review a note (app/governance/figures.py, lead_review_within_days).
FIRST_MORNING_DAYS = 14


def default_since(last_reviewed: date | None, today: date) -> date:
    """Where the queue starts by default: the day the lead last reviewed, or, before their first review, the
    review-coverage window back from today (so a first morning is not months of records oldest first)."""
    return last_reviewed if last_reviewed is not None else today - timedelta(days=FIRST_MORNING_DAYS)


def older_unreviewed(items: Sequence[QueueItem], chosen: QueueFilter) -> int:
    """Records not yet reviewed that the chosen date hides (the lead is told how many, and how to see them)."""
    if chosen.date_from is None:
        return 0
    wider = replace(chosen, date_from=None, include_reviewed=False)
    return sum(1 for i in items if wider.admits(i) and not chosen.admits(i) and not i.reviewed)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    worker_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    kinds: frozenset[ItemKind] = frozenset(ItemKind)
    date_from: date | None = None
    date_to: date | None = None
    include_reviewed: bool = False

    def admits(self, item: QueueItem) -> bool:
        """Worker, person and kind always apply. An open item where nobody who can act has been reached is
        shown whatever the dates and whether or not it has been reviewed: it is work for someone now."""
        if not (
            (self.worker_id is None or item.author_id == self.worker_id)
            and (self.person_id is None or item.person_id == self.person_id)
            and item.kind in self.kinds
        ):
            return False
        return item.nobody_reached or (
            (self.date_from is None or item.at.date() >= self.date_from)
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
            amendments: dict[uuid.UUID, list[AmendmentShown]] = {}
            for a in repo.amendments(session):
                amendments.setdefault(a.note_id, []).append(
                    AmendmentShown(AmendmentKind(a.kind), known.who(a.author_id), a.created_at, a.reason, a.text)
                )
            items = [_note(known, n, amendments.get(n.id, ())) for n in repo.signed_notes(session)]
            items += [_safety_review(known, r) for r in repo.safety_reviews(session)]
            authors = {e: repo.escalation_author(session, e) for e in repo.escalation_ids(session)}
        escalations = [(self._escalations.get(e), author) for e, author in authors.items()]
        items += [_escalation(known, e, author, now, self._escalations.criteria_labels(e)) for e, author in escalations]
        with self._uow.write() as session:
            audit.append(session, self._actor, audit.AuditAction.VIEW, now, "review_queue")
        return ordered(items)


def _note(known: _Known, n: models.ContactNote, amendments: Sequence[AmendmentShown]) -> QueueItem:
    outcome = Outcome(n.outcome)
    steps = ", ".join(str(s) for s in n.plan_steps_used)
    summary = f"{ContactMethod(n.method).label}: {outcome.label.lower()}" + (
        f"; plan steps {steps} used" if steps else ""
    )
    if any(a.kind is AmendmentKind.ENTERED_IN_ERROR for a in amendments):
        # The row itself must not read as a valid record of a contact.
        summary = f"Entered in error (was: {summary})"
    detail = n.narrative + (f"\n\nNext: {n.next_action}" if n.next_action else "")
    # A missed contact marked entered in error did not happen: it is not follow-through work.
    missed = outcome in MISSED_OUTCOMES and not any(a.kind is AmendmentKind.ENTERED_IN_ERROR for a in amendments)
    item = known.item(n.id, ItemKind.CONTACT_NOTE, n.person_id, n.author_id, n.contact_start, summary, detail,
                      missed_contact=missed)  # fmt: skip
    return replace(item, amendments=tuple(amendments))


def _safety_review(known: _Known, r: models.SafetyReview) -> QueueItem:
    summary = f"Safety review ({r.trigger.replace('_', ' ')}); plan {'reviewed' if r.plan_reviewed else 'not reviewed'}"
    detail = f"What changed: {r.what_changed}\n\nWhy it matters: {r.why_it_matters}"
    return known.item(r.id, ItemKind.SAFETY_REVIEW, r.person_id, r.author_id, r.created_at, summary, detail)


def _escalation(
    known: _Known, e: Escalation, author: uuid.UUID, now: datetime, criteria_met: Sequence[str]
) -> QueueItem:
    welfare = e.kind is EscalationKind.WELFARE_CHECK
    state = "closed" if not e.is_open else ("open, someone who can act reached" if e.reached_anyone else "open")
    summary = f"{'Welfare check' if welfare else 'Escalation'} ({e.period.period.value.replace('-', ' ')}): {state}"
    criteria = "; ".join(criteria_met) or "none (raised by the missed-contact policy)"
    detail = f"Criteria met: {criteria}\n\nWhy: {e.rationale}\n\n{e.period}"
    overdue = tuple(
        OverdueStep(t.node.text, t.due_by, now - t.due_by)
        for t in e.timeliness()
        if e.is_open and t.first_done_at is None and now > t.due_by
    )
    item = known.item(
        e.id, ItemKind.WELFARE_CHECK if welfare else ItemKind.ESCALATION, e.person_id, author, e.identified_at,
        summary, detail, nobody_reached=e.is_open and not e.reached_anyone,
        open_welfare_check=welfare and e.is_open, out_of_hours=e.period.period is Period.OUT_OF_HOURS,
    )  # fmt: skip
    return replace(item, overdue_steps=overdue)
