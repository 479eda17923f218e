"""Every record a worker creates is enqueued exactly once, in order, in the same transaction."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.errors import InvalidInput
from app.safety_reviews import NextStep, ReviewDraft, TriggerPoint
from storage import models
from tests.conftest import NOW


def _phone_note(person, text: str) -> NoteDraft:
    return NoteDraft(
        person, NOW - timedelta(hours=1), NOW - timedelta(minutes=30), ContactMethod.PHONE, Outcome.SPOKEN_TO, text
    )


def _outbox(ws, before):
    """Items added by the test: the demo's own recent work (an escalation, a welfare check) is already there."""
    with ws.store.sessions() as session:
        items = session.scalars(select(models.OutboxItem).order_by(models.OutboxItem.seq))
        return [i for i in items if i.record_id not in before]


@pytest.fixture
def before(workspace) -> set:
    with workspace.store.sessions() as session:
        return set(session.scalars(select(models.OutboxItem.record_id)))


def test_each_created_record_is_in_the_outbox_once_in_creation_order(workspace, before) -> None:
    assert _outbox(workspace, before) == []
    person = workspace.caseload.rows()[0].person_id
    draft = _phone_note(person, "Talked about the week.")
    note, _ = workspace.notes.record(draft)
    amendment, _ = workspace.notes.amend(note.id, AmendmentKind.ADDENDUM, "More detail", "Also discussed sleep.")
    review, _ = workspace.reviews.record(
        ReviewDraft(
            person,
            TriggerPoint.MEDICATION_CHANGE,
            "New medication started",
            "Feels foggy",
            "Side effects have led to stopping medication before",
            next_steps=[NextStep("Check in Friday", "Sam")],
            plan_reviewed=False,
            plan_review_note="Person too tired today; review at next visit",
        )
    )
    plan = workspace.plans.current(person)
    revision, _ = workspace.plans.revise(_revision_of(plan))
    items = _outbox(workspace, before)
    assert [i.record_id for i in items] == [note.id, amendment.id, review.id, revision.id]
    assert [i.record_type for i in items] == ["contact_note", "note_amendment", "safety_review", "safety_plan_revision"]
    assert [i.seq for i in items] == sorted(i.seq for i in items)
    assert items[0].payload["narrative"] == "Talked about the week."
    assert workspace.outbox_pending() == len(before) + 4


def test_a_refused_record_leaves_nothing_in_the_outbox(workspace, before) -> None:
    person = workspace.caseload.rows()[0].person_id
    with pytest.raises(InvalidInput):
        workspace.reviews.record(ReviewDraft(person, TriggerPoint.MISSED_CONTACT, "", "", ""))
    assert _outbox(workspace, before) == []


def test_record_and_outbox_roll_back_together(workspace, monkeypatch, before) -> None:
    """A failure after the row is added but before commit leaves neither the note nor its outbox item."""
    from app import audit

    person = workspace.caseload.rows()[0].person_id
    notes_before = len(workspace.notes.timeline(person))

    def broken_append(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(audit, "append", broken_append)
    draft = _phone_note(person, "Talked about the week.")
    with pytest.raises(OSError):
        workspace.notes.record(draft)
    monkeypatch.undo()
    assert _outbox(workspace, before) == []
    assert len(workspace.notes.timeline(person)) == notes_before


def test_drafts_stay_local_until_signed(workspace, before) -> None:
    person = workspace.caseload.rows()[0].person_id
    draft = _phone_note(person, "Draft text.")
    note, _ = workspace.notes.record(draft, sign=False)
    assert _outbox(workspace, before) == []
    workspace.notes.sign(note.id)
    assert [i.record_id for i in _outbox(workspace, before)] == [note.id]
    assert _outbox(workspace, before)[0].payload["signed_at"] is not None


def _revision_of(plan):
    from app.safety_plans import PlanDraft, PlanItem, Step

    sections = {s.step: list(s.items) for s in plan.sections}
    sections[Step.INTERNAL_COPING] = [*sections[Step.INTERNAL_COPING], PlanItem("Ring the allotment friend")]
    return PlanDraft(
        plan.person_id, plan.id, sections, plan.preferences, co_produced=True, change_summary="Added a coping step"
    )
