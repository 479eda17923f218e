"""Two versions of one safety plan written apart, and the merge a clinician writes to end it.

When two laptops revise the same plan from the same base while apart, the server keeps both: the version
that reached it first stays in force, the other is kept beside it and the plan is marked conflicted
(DESIGN §5, sync-reference b8). Nothing here picks a side. Each section is compared three ways (base, in
force, other); a section changed on one side only is proposed from that side, one changed on both waits
for a person, and the merge revision names both versions as parents and says, section by section, what
was chosen. It goes through the one write path like any other revision.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app import audit
from app.changes import Changed
from app.clock import Clock
from app.errors import InvalidInput
from app.ids import new_id
from app.plan_diff import PREFERENCE_LABELS, describe
from app.safety_plans import PlanItem, PlanRevision, Preferences, Step, current_revision, move_head
from app.write_path import WritePath
from storage import models
from storage.repo import plans as plans_repo
from storage.unit_of_work import Session, UnitOfWork

SectionKey = Step | str  # a step, or a preference's key


class Choice(enum.Enum):
    IN_FORCE = "in_force"
    OTHER = "other"
    BOTH = "both"  # the in-force lines, then the other version's lines it does not have


CHOICE_WORDS = {
    Choice.IN_FORCE: "kept the version in force",
    Choice.OTHER: "took the other version",
    Choice.BOTH: "kept both versions' lines",
}


@dataclass(frozen=True, slots=True)
class PlanConflict:
    conflict_id: uuid.UUID
    person_id: uuid.UUID
    base: PlanRevision | None = field(repr=False)
    in_force: PlanRevision = field(repr=False)
    other: PlanRevision = field(repr=False)


@dataclass(frozen=True, slots=True)
class SectionMerge:
    key: SectionKey
    title: str
    base: tuple[PlanItem, ...] = field(repr=False)
    in_force: tuple[PlanItem, ...] = field(repr=False)
    other: tuple[PlanItem, ...] = field(repr=False)

    @property
    def changed_in_force(self) -> bool:
        return _lines(self.in_force) != _lines(self.base)

    @property
    def changed_in_other(self) -> bool:
        return _lines(self.other) != _lines(self.base)

    @property
    def differs(self) -> bool:
        return _lines(self.in_force) != _lines(self.other)

    @property
    def proposed(self) -> Choice | None:
        """What to pre-select: the one side that changed; None when both changed it differently (a person
        decides) ; the in-force lines when the two agree."""
        if not self.differs:
            return Choice.IN_FORCE
        if self.changed_in_other and not self.changed_in_force:
            return Choice.OTHER
        if self.changed_in_force and not self.changed_in_other:
            return Choice.IN_FORCE
        return None

    def result(self, choice: Choice) -> tuple[PlanItem, ...]:
        if choice is Choice.IN_FORCE:
            return self.in_force
        if choice is Choice.OTHER:
            return self.other
        have = set(_lines(self.in_force))
        return self.in_force + tuple(i for i in self.other if describe(i) not in have)


def _lines(items: Sequence[PlanItem]) -> list[str]:
    return [describe(i) for i in items if i.text.strip() or (i.phone or "").strip()]


def _preference_items(prefs: Preferences | None, key: str) -> tuple[PlanItem, ...]:
    value = (prefs or Preferences()).to_json().get(key, "").strip()
    return (PlanItem(value),) if value else ()


def sections(conflict: PlanConflict) -> list[SectionMerge]:
    """Every step and preference, base / in force / other, in the plan's order."""
    base = conflict.base
    merges = [
        SectionMerge(
            step,
            f"Step {int(step)}. {step.title}",
            base.section(step).items if base else (),
            conflict.in_force.section(step).items,
            conflict.other.section(step).items,
        )
        for step in Step
    ]
    for key, label in PREFERENCE_LABELS.items():
        merges.append(
            SectionMerge(
                key,
                label,
                _preference_items(base.preferences if base else None, key),
                _preference_items(conflict.in_force.preferences, key),
                _preference_items(conflict.other.preferences, key),
            )
        )
    return merges


@dataclass(frozen=True, slots=True)
class SectionDecision:
    choice: Choice
    items: tuple[PlanItem, ...] = field(repr=False)  # what the merge keeps: the choice's lines, or edited


@dataclass(frozen=True, slots=True)
class MergeDraft:
    conflict: PlanConflict = field(repr=False)
    decisions: Mapping[SectionKey, SectionDecision] = field(repr=False)
    co_produced: bool
    shared_with: Sequence[str] = field(repr=False)
    reason: str = field(repr=False)


def decisions_summary(conflict: PlanConflict, decisions: Mapping[SectionKey, SectionDecision]) -> list[str]:
    """One line per section saying what the merge kept, for the revision's own summary."""
    lines = []
    for merge in sections(conflict):
        decision = decisions[merge.key]
        words = CHOICE_WORDS[decision.choice]
        if _lines(decision.items) != _lines(merge.result(decision.choice)):
            words += ", then edited"
        lines.append(f"{merge.title}: {words}")
    return lines


class PlanConflictService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor) -> None:
        self._uow = uow
        self._writes = WritePath(uow, clock, actor)

    def open_conflicts(self, person_id: uuid.UUID) -> list[PlanConflict]:
        with self._uow.read() as session:
            return open_conflicts(session, person_id)

    def merge(self, draft: MergeDraft) -> tuple[PlanRevision, Changed]:
        """Write the merge revision: parents are the version in force and the other version, in that order
        (the server moves its head only for a merge naming its head)."""
        missing = [m.title for m in sections(draft.conflict) if m.key not in draft.decisions]
        if missing:
            raise InvalidInput("Merge", f"has no decision for: {'; '.join(missing)}")
        if not draft.reason.strip():
            raise InvalidInput("Merge", "needs a line on what was decided and why")
        conflict = draft.conflict
        with self._writes.person(conflict.person_id, "safety plans") as w:
            head = current_revision(w.session, conflict.person_id)
            still_open = [c.conflict_id for c in open_conflicts(w.session, conflict.person_id)]
            if head is None or head.id != conflict.in_force.id or conflict.conflict_id not in still_open:
                raise InvalidInput(
                    "Safety plan", "changed since you opened the two versions; close this and open them again"
                )
            row = w.record(_merge_row(draft, w.staff_id, w.device_id, w.now))
            move_head(w.session, row)
            return PlanRevision.from_row(row), Changed.PERSON | w.changed


def _merge_row(
    draft: MergeDraft, author_id: uuid.UUID, device_id: uuid.UUID, now: datetime
) -> models.SafetyPlanRevision:
    conflict = draft.conflict
    prefs = {key: "\n".join(i.text for i in draft.decisions[key].items) for key in PREFERENCE_LABELS}
    summary = [
        "Merge of two versions of this plan written on different laptops.",
        *decisions_summary(conflict, draft.decisions),
        f"Why: {draft.reason.strip()}",
    ]
    return models.SafetyPlanRevision(
        id=new_id(),
        plan_id=conflict.in_force.plan_id,
        person_id=conflict.person_id,
        parent_ids=[str(conflict.in_force.id), str(conflict.other.id)],
        author_id=author_id,
        device_id=device_id,
        created_at=now,
        co_produced=draft.co_produced,
        shared_with=list(draft.shared_with),
        sections=[{"step": int(s), "items": [i.to_json() for i in draft.decisions[s].items]} for s in Step],
        preferences=Preferences.from_json(prefs).to_json(),
        change_summary="\n".join(summary),
    )


def open_conflicts(session: Session, person_id: uuid.UUID) -> list[PlanConflict]:
    """The conflicts the server last reported open for this person's plan that this laptop has not merged
    yet (a merge written here ends one at once; the server agrees at the next sync)."""
    plan = plans_repo.plan_of(session, person_id)
    if plan is None:
        return []
    state = plans_repo.server_plan_state(session, plan.id) or {}
    head = current_revision(session, person_id)
    if head is None:
        return []
    ancestry = _ancestry(session, head)
    found = []
    for wire in state.get("open_conflicts", []):
        other_id = uuid.UUID(wire["ours_revision_id"])
        if other_id == head.id:
            other_id = uuid.UUID(wire["theirs_revision_id"])
        if other_id in ancestry:
            continue  # already merged into the plan in force
        other = session.get(models.SafetyPlanRevision, other_id)
        if other is None:
            continue  # its record always comes before the state naming it; until then there is nothing to show
        base_id = wire.get("base_revision_id")
        base = session.get(models.SafetyPlanRevision, uuid.UUID(base_id)) if base_id else None
        found.append(
            PlanConflict(
                uuid.UUID(wire["conflict_id"]),
                person_id,
                PlanRevision.from_row(base) if base else None,
                head,
                PlanRevision.from_row(other),
            )
        )
    return found


def _ancestry(session: Session, head: PlanRevision) -> set[uuid.UUID]:
    seen: set[uuid.UUID] = set()
    todo = [head.id]
    while todo:
        rid = todo.pop()
        if rid in seen:
            continue
        seen.add(rid)
        row = session.get(models.SafetyPlanRevision, rid)
        if row is not None:
            todo.extend(uuid.UUID(p) for p in row.parent_ids)
    return seen
