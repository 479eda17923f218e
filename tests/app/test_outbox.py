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


def test_an_escalation_followed_up_and_closed_is_a_log_of_records_never_a_rewritten_row(workspace, before) -> None:
    """Schema 2 queued one snapshot of the escalation that said "open" for ever; now each change is a record."""
    from app.escalations import ActionDraft, ActionKind, EscalationDraft, EscalationOutcome

    person = workspace.caseload.rows()[0].person_id
    esc, _ = workspace.escalations.start(EscalationDraft(person, ["sudden-deterioration"], "Sounded very low"))
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    node = esc.walk.current
    esc, _ = workspace.escalations.record_action(
        esc.id, ActionDraft(node.id, ActionKind.PHONED, reached=True, contact_reached="Duty worker")
    )
    workspace.escalations.set_follow_up(esc.id, NOW + timedelta(hours=20), "Sam")
    closed, _ = workspace.escalations.close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED, "Visited, safe")
    assert not closed.is_open and closed.follow_up_owner == "Sam"
    items = _outbox(workspace, before)
    assert [i.record_type for i in items] == ["escalation_opened"] + ["escalation_event"] * 4
    assert [i.payload.get("event") for i in items[1:]] == ["answer", "action", "follow_up_set", "closed"]
    assert all(i.refers_to == esc.id for i in items[1:])
    opening = items[0]
    assert "closed_at" not in opening.payload and "outcome" not in opening.payload
    assert items[-1].payload["outcome"] == "person_safe_plan_agreed" and items[-1].payload["note"] == "Visited, safe"
    with pytest.raises(Exception, match="append-only"), workspace.store.sessions.begin() as session:
        row = session.get(models.Escalation, esc.id)
        row.rationale = "rewritten"


def test_each_outbox_entry_is_the_protocol_envelope_with_its_hash(workspace, before) -> None:
    from storage import outbox, records

    person = workspace.caseload.rows()[0].person_id
    note, _ = workspace.notes.record(_phone_note(person, "Talked about the week."))
    (item,) = _outbox(workspace, before)
    wire = outbox.wire(item)
    assert set(wire) == {"seq", "record_id", "record_type", "schema_version", "person_id", "author_id", "device_id",
                         "authored_at", "refers_to", "payload", "sha256"}  # fmt: skip
    assert wire["record_id"] == str(note.id) and wire["schema_version"] == 1 and wire["refers_to"] is None
    assert wire["person_id"] == str(person) and wire["author_id"] == str(workspace.actor.staff_id)
    assert wire["sha256"] == records.sha256(wire)
    with workspace.store.sessions() as session:
        assert records.envelope(session.get(models.ContactNote, note.id)) == {
            k: v for k, v in wire.items() if k not in ("seq", "sha256")
        }, "the stored envelope is exactly what the record serialises to"
