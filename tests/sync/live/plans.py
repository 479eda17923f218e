"""Revising and merging a person's safety plan on an enrolled store, as a clinician would."""

from __future__ import annotations

import uuid

from app.plan_conflicts import Choice, MergeDraft, PlanConflict, SectionDecision, sections
from app.safety_plans import PlanDraft, PlanItem, PlanRevision, Step
from app.workspace import Workspace


def revise(workspace: Workspace, person_id: uuid.UUID, warning_sign: str) -> PlanRevision:
    """A new revision on the plan in force with one more warning sign."""
    base = workspace.plans.current(person_id)
    assert base is not None
    steps = {s: list(base.section(s).items) for s in Step}
    steps[Step.WARNING_SIGNS].append(PlanItem(warning_sign))
    draft = PlanDraft(
        person_id=person_id,
        base_revision_id=base.id,
        sections=steps,
        preferences=base.preferences,
        co_produced=True,
        change_summary="Added a warning sign",
    )
    revision, _ = workspace.plans.revise(draft)
    return revision


def merge_proposed_or_both(workspace: Workspace, conflict: PlanConflict) -> PlanRevision:
    """Merge taking each section's proposal, and both sides' lines where both changed it."""
    decisions = {}
    for merge in sections(conflict):
        choice = merge.proposed or Choice.BOTH
        decisions[merge.key] = SectionDecision(choice, merge.result(choice))
    revision, _ = workspace.plan_conflicts.merge(
        MergeDraft(conflict, decisions, co_produced=True, shared_with=(), reason="Both additions agreed with Sam")
    )
    return revision
