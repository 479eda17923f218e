"""Case-audit sampling: a reproducible random sample of cases chosen by process, and the operating model's
audit checklist.

A case is eligible because something happened in the period (an escalation was opened, a welfare check was
raised, a contact was missed): never because of a label about the person. The sample is drawn from a
recorded seed, so anyone can draw it again and get the same cases; a reviewer never audits a case they
worked on.
"""

from __future__ import annotations

import enum
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from app.errors import InvalidInput

# The operating model's governance checklist ("Case audit programme sampling … for: dynamic assessment
# updates, safety plan use in contact notes, and escalation timeliness"), plus the missed-contact pathway it
# names under evidence. Versioned: a saved audit names the checklist it answered.
CHECKLIST_ID = "operating-model-audit@1"
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("dynamic_review_updated", "Was a safety review recorded after each trigger point in the period?"),
    ("plan_used_in_notes", "Do the contact notes cite the safety-plan steps used?"),
    ("escalation_timely", "Were the escalation's actions taken within the pathway's timescales?"),
    ("missed_contact_pathway_followed", "After missed contacts, were re-contact and welfare-check steps recorded?"),
    ("follow_up_done", "Was the agreed follow-up done by its due time?"),
)


class Answer(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return {"yes": "Yes", "partly": "Partly", "no": "No", "not_applicable": "Not applicable"}[self.value]


class Reason(enum.StrEnum):
    """Why a case is eligible: a process event in the period."""

    ESCALATION = "escalation"
    WELFARE_CHECK = "welfare_check"
    MISSED_CONTACT = "missed_contact"


@dataclass(frozen=True, slots=True)
class Event:
    reason: Reason
    record_id: uuid.UUID  # the escalation, or the contact note that recorded the missed contact
    at: datetime


@dataclass(frozen=True, slots=True)
class Case:
    person_id: uuid.UUID
    events: tuple[Event, ...]
    workers: frozenset[uuid.UUID]  # who wrote the case's records in the period or holds the person


@dataclass(frozen=True, slots=True)
class Sample:
    sample_id: uuid.UUID
    seed: int
    drawn_at: datetime
    period_from: date
    period_to: date
    reviewer_id: uuid.UUID
    cases: tuple[Case, ...]
    eligible: int  # how many cases qualified before the reviewer's own were set aside
    own_excluded: int


@dataclass(frozen=True, slots=True)
class AnswerDraft:
    question_id: str
    answer: Answer
    note: str | None = field(default=None, repr=False)


def eligible(events: Iterable[tuple[uuid.UUID, Event]], workers: dict[uuid.UUID, set[uuid.UUID]],
             period_from: date, period_to: date) -> list[Case]:  # fmt: skip
    """Cases with a process event inside the period (both ends included), in person-id order."""
    by_person: dict[uuid.UUID, list[Event]] = {}
    for person_id, event in events:
        if period_from <= event.at.date() <= period_to:
            by_person.setdefault(person_id, []).append(event)
    return [
        Case(pid, tuple(sorted(evs, key=lambda e: (e.at, str(e.record_id)))), frozenset(workers.get(pid, set())))
        for pid, evs in sorted(by_person.items(), key=lambda item: str(item[0]))
    ]


def draw(
    cases: Sequence[Case],
    reviewer_id: uuid.UUID,
    size: int,
    seed: int,
    *,
    sample_id: uuid.UUID,
    drawn_at: datetime,
    period_from: date,
    period_to: date,
) -> Sample:
    """``size`` cases drawn at random from ``seed``, never one the reviewer worked on.

    The order of ``cases`` does not matter (they are sorted by person id first), so the same seed over the
    same records gives the same sample on any device."""
    if size < 1:
        raise ValueError("a sample needs at least one case")
    pool = sorted((c for c in cases if reviewer_id not in c.workers), key=lambda c: str(c.person_id))
    chosen = random.Random(seed).sample(pool, k=min(size, len(pool)))
    return Sample(sample_id, seed, drawn_at, period_from, period_to, reviewer_id, tuple(chosen), len(cases),
                  len(cases) - len(pool))  # fmt: skip


def new_seed() -> int:
    """A fresh seed, small enough to read out and write down."""
    return random.SystemRandom().randrange(1, 2**31)


def check_answers(answers: Sequence[AnswerDraft]) -> None:
    """Every checklist question answered once; a 'no' or 'partly' says why."""
    known = {q for q, _ in CHECKLIST}
    given = [a.question_id for a in answers]
    if sorted(given) != sorted(known):
        raise InvalidInput("Audit checklist", "answer every question once")
    for a in answers:
        if a.answer in (Answer.NO, Answer.PARTLY) and not (a.note or "").strip():
            raise InvalidInput("Audit checklist", "say what was missing for each 'No' or 'Partly'")
