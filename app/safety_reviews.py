"""Safety reviews at trigger points: explore (what changed), map (why it matters), act and plan.

A formulation in the clinician's own words; there is no score, level or category anywhere in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app import audit
from app.changes import Changed
from app.clock import Clock
from app.errors import InvalidInput
from app.ids import new_id
from app.labels import LabelledEnum
from app.write_path import WritePath
from storage import models
from storage.repo import reviews as reviews_repo
from storage.unit_of_work import UnitOfWork


class TriggerPoint(LabelledEnum):
    INITIAL_ENGAGEMENT = "initial_engagement"
    CARE_PLAN_REVIEW = "care_plan_review"
    POST_CRISIS_FOLLOW_UP = "post_crisis_follow_up"
    SIGNIFICANT_LIFE_EVENT = "significant_life_event"
    MEDICATION_CHANGE = "medication_change"
    MISSED_CONTACT = "missed_contact"


@dataclass(frozen=True, slots=True)
class NextStep:
    action: str = field(repr=False)
    owner: str = field(repr=False)
    due: date | None = None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> NextStep:
        return cls(doc["action"], doc["owner"], date.fromisoformat(doc["due"]) if doc.get("due") else None)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "owner": self.owner, "due": self.due.isoformat() if self.due else None}


@dataclass(frozen=True, slots=True)
class ReviewDraft:
    person_id: uuid.UUID
    trigger: TriggerPoint
    what_changed: str = field(repr=False)
    persons_account: str = field(repr=False)
    why_it_matters: str = field(repr=False)
    current_concerns: str = field(default="", repr=False)
    protective_factors: str = field(default="", repr=False)
    next_steps: Sequence[NextStep] = field(default=(), repr=False)
    plan_reviewed: bool = False
    # Why the plan was or was not reviewed: required when it was not.
    plan_review_note: str = field(default="", repr=False)
    threshold_criteria: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class SafetyReview:
    id: uuid.UUID
    person_id: uuid.UUID
    author_id: uuid.UUID
    created_at: datetime
    trigger: TriggerPoint
    what_changed: str = field(repr=False)
    persons_account: str = field(repr=False)
    why_it_matters: str = field(repr=False)
    current_concerns: str = field(repr=False)
    protective_factors: str = field(repr=False)
    next_steps: tuple[NextStep, ...] = field(repr=False)
    plan_reviewed: bool
    plan_review_note: str = field(repr=False)
    threshold_criteria: tuple[str, ...]

    @classmethod
    def from_row(cls, row: models.SafetyReview) -> SafetyReview:
        return cls(
            id=row.id,
            person_id=row.person_id,
            author_id=row.author_id,
            created_at=row.created_at,
            trigger=TriggerPoint(row.trigger),
            what_changed=row.what_changed,
            persons_account=row.persons_account,
            why_it_matters=row.why_it_matters,
            current_concerns=row.current_concerns,
            protective_factors=row.protective_factors,
            next_steps=tuple(NextStep.from_json(s) for s in row.next_steps),
            plan_reviewed=row.plan_reviewed,
            plan_review_note=row.plan_review_note,
            threshold_criteria=tuple(row.threshold_criteria),
        )


class SafetyReviewService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor) -> None:
        self._uow = uow
        self._clock = clock
        self._writes = WritePath(uow, clock, actor)

    def record(self, draft: ReviewDraft) -> tuple[SafetyReview, Changed]:
        for label, value in (
            ("What has changed", draft.what_changed),
            ("Why it matters", draft.why_it_matters),
        ):
            if not value.strip():
                raise InvalidInput(label, "is required")
        if not draft.plan_reviewed and not draft.plan_review_note.strip():
            raise InvalidInput("Why the safety plan was not reviewed", "is required")
        for step in draft.next_steps:
            if not step.action.strip() or not step.owner.strip():
                raise InvalidInput("What happens next", "each step needs an action and an owner")
        now = self._clock.now()
        with self._writes.person(draft.person_id, "safety reviews", now) as w:
            row = models.SafetyReview(
                id=new_id(),
                person_id=draft.person_id,
                author_id=w.staff_id,
                device_id=w.device_id,
                created_at=now,
                trigger=draft.trigger.value,
                what_changed=draft.what_changed.strip(),
                persons_account=draft.persons_account.strip(),
                why_it_matters=draft.why_it_matters.strip(),
                current_concerns=draft.current_concerns.strip(),
                protective_factors=draft.protective_factors.strip(),
                next_steps=[s.to_json() for s in draft.next_steps],
                plan_reviewed=draft.plan_reviewed,
                plan_review_note=draft.plan_review_note.strip(),
                threshold_criteria=list(draft.threshold_criteria),
            )
            w.record(row)
            return SafetyReview.from_row(row), Changed.PERSON | w.changed

    def history(self, person_id: uuid.UUID) -> list[SafetyReview]:
        with self._uow.read() as session:
            rows = reviews_repo.of_person(session, person_id)
            return [SafetyReview.from_row(r) for r in rows]
