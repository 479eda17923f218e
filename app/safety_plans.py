"""Safety plans: the Stanley-Brown steps plus the operating model's extras, in immutable revisions.

A plan changes only by a new revision whose parent is the revision it was based on; the newest
revision on the head is the plan in force. Steps are numbered so notes can cite them ("used step 2").
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app import audit
from app.changes import Changed
from app.clock import Clock
from app.errors import InvalidInput
from app.ids import new_id, plan_id_for
from app.write_path import WritePath
from storage import models
from storage.records import split_present
from storage.repo import plans as plans_repo
from storage.unit_of_work import Session, UnitOfWork


class Step(enum.IntEnum):
    WARNING_SIGNS = 1
    INTERNAL_COPING = 2
    DISTRACTION = 3
    HELP_PEOPLE = 4
    PROFESSIONALS = 5
    SAFE_ENVIRONMENT = 6
    REASONS_FOR_LIVING = 7
    STAFF_ACTIONS = 8
    ESCALATION_STEPS = 9

    @property
    def title(self) -> str:
        return STEP_TITLES[self]


STEP_TITLES = {
    Step.WARNING_SIGNS: "Warning signs that a crisis may be developing",
    Step.INTERNAL_COPING: "Things I can do on my own to take my mind off my problems",
    Step.DISTRACTION: "People and places that help me feel better",
    Step.HELP_PEOPLE: "People I can ask for help",
    Step.PROFESSIONALS: "Professionals and services I can contact",
    Step.SAFE_ENVIRONMENT: "Making my surroundings safer",
    Step.REASONS_FOR_LIVING: "What matters most to me and is worth living for",
    Step.STAFF_ACTIONS: "What staff will do",
    Step.ESCALATION_STEPS: "If things get worse: who to contact, in this order",
}


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One line of a step; for a contact it carries who, the number and when they can be reached."""

    text: str = field(repr=False)
    phone: str | None = field(default=None, repr=False)
    hours: str | None = None
    # A service chosen from the directory (HAZ-19): shown with the directory's details of the day, so a
    # changed number changes everywhere; text, phone and hours keep what it said when chosen.
    directory_id: str | None = None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> PlanItem:
        return cls(doc["text"], doc.get("phone"), doc.get("hours"), doc.get("directory_id"))

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"text": self.text, "phone": self.phone, "hours": self.hours}
        if self.directory_id is not None:  # absent otherwise, so items typed by hand keep their bytes
            doc["directory_id"] = self.directory_id
        return doc


@dataclass(frozen=True, slots=True)
class PlanSection:
    step: Step
    items: tuple[PlanItem, ...]

    @property
    def title(self) -> str:
        return self.step.title


@dataclass(frozen=True, slots=True)
class Preferences:
    """How the person prefers to be supported, in their words (reasonable adjustments live on Person)."""

    how_to_support: str = field(default="", repr=False)
    contact_first: str = field(default="", repr=False)
    do_not_contact: str = field(default="", repr=False)
    communication_style: str = field(default="", repr=False)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Preferences:
        return cls(
            doc.get("how_to_support", ""),
            doc.get("contact_first", ""),
            doc.get("do_not_contact", ""),
            doc.get("communication_style", ""),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "how_to_support": self.how_to_support,
            "contact_first": self.contact_first,
            "do_not_contact": self.do_not_contact,
            "communication_style": self.communication_style,
        }


@dataclass(frozen=True, slots=True)
class PlanRevision:
    id: uuid.UUID
    plan_id: uuid.UUID
    person_id: uuid.UUID
    parent_ids: tuple[uuid.UUID, ...]
    author_id: uuid.UUID
    created_at: datetime
    co_produced: bool
    shared_with: tuple[str, ...] = field(repr=False)
    sections: tuple[PlanSection, ...] = field(repr=False)
    preferences: Preferences = field(repr=False)
    change_summary: str = field(repr=False)
    device_id: uuid.UUID | None = None  # the laptop it was written on
    present: str | None = field(default=None, repr=False)  # who was present when it was written

    def section(self, step: Step) -> PlanSection:
        for section in self.sections:
            if section.step is step:
                return section
        return PlanSection(step, ())

    @classmethod
    def from_row(cls, row: models.SafetyPlanRevision) -> PlanRevision:
        # Revisions written before who was present was a field kept it as a line of the summary.
        summary, present = (row.change_summary, row.present) if row.present else split_present(row.change_summary)
        return cls(
            id=row.id,
            plan_id=row.plan_id,
            person_id=row.person_id,
            parent_ids=tuple(uuid.UUID(p) for p in row.parent_ids),
            author_id=row.author_id,
            created_at=row.created_at,
            co_produced=row.co_produced,
            shared_with=tuple(row.shared_with),
            sections=tuple(
                PlanSection(Step(s["step"]), tuple(PlanItem.from_json(i) for i in s["items"])) for s in row.sections
            ),
            preferences=Preferences.from_json(row.preferences),
            device_id=row.device_id,
            change_summary=summary,
            present=present,
        )


@dataclass(frozen=True, slots=True)
class PlanDraft:
    person_id: uuid.UUID
    base_revision_id: uuid.UUID | None
    sections: Mapping[Step, Sequence[PlanItem]] = field(repr=False)
    preferences: Preferences = field(repr=False)
    co_produced: bool
    shared_with: Sequence[str] = field(default=(), repr=False)
    change_summary: str = field(default="", repr=False)
    present: str | None = field(default=None, repr=False)  # who was present when it was written


class SafetyPlanService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor) -> None:
        self._uow = uow
        self._clock = clock
        self._writes = WritePath(uow, clock, actor)

    def current(self, person_id: uuid.UUID) -> PlanRevision | None:
        with self._uow.read() as session:
            return current_revision(session, person_id)

    def revisions(self, person_id: uuid.UUID) -> list[PlanRevision]:
        with self._uow.read() as session:
            return [PlanRevision.from_row(r) for r in plans_repo.revisions_of(session, person_id)]

    def revise(self, draft: PlanDraft) -> tuple[PlanRevision, Changed]:
        if not any(draft.sections.get(step) for step in Step):
            raise InvalidInput("Safety plan", "has no steps filled in")
        now = self._clock.now()
        with self._writes.person(draft.person_id, "safety plans", now) as w:
            row = w.record(new_revision(w.session, draft, w.staff_id, w.device_id, now))
            move_head(w.session, row)
            return PlanRevision.from_row(row), Changed.PERSON | w.changed


def plan_head(
    revisions: Sequence[tuple[uuid.UUID, Sequence[str]]], server_head: uuid.UUID | None = None
) -> uuid.UUID | None:
    """The revision in force, from the revisions (``(id, parent_ids)`` in the order recorded) and the
    server's head when sync has heard it: one no other revision names as its parent.

    Two such tips mean two laptops edited the same plan apart (a conflict that sync brings). Then the
    version that reached the server first stays in force on every device, with what was written on top of
    it since (a later edit, or the merge that ends the conflict), until a clinician's merge names both
    (DESIGN §5, sync-reference b8). Device clocks decide nothing: a laptop three days fast must not put its
    version in force. Before any sync there is one tip, or, failing all else, the first recorded."""
    parents = {str(p) for _, ps in revisions for p in ps}
    tips = [rid for rid, _ in revisions if str(rid) not in parents]
    if server_head is not None and len(tips) > 1:
        parents_of = {str(rid): [str(p) for p in ps] for rid, ps in revisions}
        if str(server_head) in parents_of:
            for tip in tips:
                if _descends(parents_of, str(tip), str(server_head)):
                    return tip
    return tips[0] if tips else None


def _descends(parents_of: Mapping[str, Sequence[str]], tip: str, ancestor: str) -> bool:
    seen: set[str] = set()
    todo = [tip]
    while todo:
        rid = todo.pop()
        if rid == ancestor:
            return True
        if rid not in seen:
            seen.add(rid)
            todo.extend(parents_of.get(rid, ()))
    return False


def rebuild_plan_head(session: Session, person_id: uuid.UUID) -> None:
    plan = plans_repo.plan_of(session, person_id)
    if plan is not None:
        plan.head_revision_id = plan_head(
            plans_repo.parents_of_revisions(session, plan.id), server_head(session, plan.id)
        )


def server_head(session: Session, plan_id: uuid.UUID) -> uuid.UUID | None:
    state = plans_repo.server_plan_state(session, plan_id)
    return uuid.UUID(state["head_revision_id"]) if state and state.get("head_revision_id") else None


def current_revision(session: Session, person_id: uuid.UUID) -> PlanRevision | None:
    plan = plans_repo.plan_of(session, person_id)
    if plan is None or plan.head_revision_id is None:
        return None
    row = session.get(models.SafetyPlanRevision, plan.head_revision_id)
    return PlanRevision.from_row(row) if row else None


def new_revision(
    session: Session, draft: PlanDraft, author_id: uuid.UUID, device_id: uuid.UUID, now: datetime
) -> models.SafetyPlanRevision:
    """The revision a draft makes (not yet added); the plan is created with the first one."""
    plan = plans_repo.plan_of(session, draft.person_id)
    if plan is None:
        plan = models.SafetyPlan(id=plan_id_for(draft.person_id), person_id=draft.person_id, head_revision_id=None)
        session.add(plan)
    if draft.base_revision_id != plan.head_revision_id:
        # Conflicting revisions are the sync engine's to show; locally a stale base is a mistake.
        raise InvalidInput("Safety plan", "was changed since you opened it; reopen it and make your changes again")
    return models.SafetyPlanRevision(
        id=new_id(),
        plan_id=plan.id,
        person_id=draft.person_id,
        parent_ids=[str(draft.base_revision_id)] if draft.base_revision_id else [],
        author_id=author_id,
        device_id=device_id,
        created_at=now,
        co_produced=draft.co_produced,
        shared_with=list(draft.shared_with),
        sections=[{"step": int(step), "items": [i.to_json() for i in draft.sections.get(step, ())]} for step in Step],
        preferences=draft.preferences.to_json(),
        change_summary=draft.change_summary,
        present=(draft.present or "").strip() or None,
    )


def move_head(session: Session, revision: models.SafetyPlanRevision) -> None:
    """Keep the plan-head projection in step with a new revision (``rebuild_plan_head`` agrees)."""
    session.flush()
    plan = session.get(models.SafetyPlan, revision.plan_id)
    assert plan is not None
    plan.head_revision_id = revision.id
