"""The one write path: every record type, written through its service, gets one outbox entry whose canonical
hash is stable and one audit event; a record that skips the path is refused at commit."""

import json
import uuid
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import audit, case_audit
from app.actions import ActionStatus
from app.contact_notes import AmendmentKind, ContactMethod, ContactNoteService, NoteDraft, Outcome
from app.errors import InvalidInput
from app.escalations import EscalationDraft
from app.ids import new_id
from app.lead_records import ActionDraft, LearningReviewDraft, PersonDiscussed, SupervisionDraft
from app.planned_contacts import ContactPlanDraft, PlannedContactDraft
from app.safety_reviews import ReviewDraft, SafetyReviewService, TriggerPoint
from app.workspace import Workspace
from storage import models, outbox, records
from storage.unit_of_work import UnqueuedRecord
from tests.app.test_outbox import _revision_of
from tests.conftest import NOW

GOLDEN = Path(__file__).parents[1] / "fixtures" / "records"


def _person(ws: Workspace) -> uuid.UUID:
    rows = ws.caseload.rows()
    if rows:
        return rows[0].person_id
    with ws.store.sessions() as session:  # a team lead holds no caseload of their own: any team person
        return session.scalars(select(models.Person.id).order_by(models.Person.id)).first()


def _note(ws: Workspace) -> uuid.UUID:
    draft = NoteDraft(_person(ws), NOW - timedelta(hours=1), NOW - timedelta(minutes=30), ContactMethod.PHONE,
                      Outcome.SPOKEN_TO, "Talked about the week.")  # fmt: skip
    return ws.notes.record(draft)[0].id


def _amendment(ws: Workspace) -> uuid.UUID:
    return ws.notes.amend(_note(ws), AmendmentKind.ADDENDUM, "More detail", "Also discussed sleep.")[0].id


def _revision(ws: Workspace) -> uuid.UUID:
    plan = ws.plans.current(_person(ws))
    return ws.plans.revise(_revision_of(plan))[0].id


def _review(ws: Workspace) -> uuid.UUID:
    draft = ReviewDraft(_person(ws), TriggerPoint.MEDICATION_CHANGE, "New medication", "Foggy", "Stopped before",
                        plan_reviewed=False, plan_review_note="Too tired today")  # fmt: skip
    return ws.reviews.record(draft)[0].id


def _escalation(ws: Workspace) -> uuid.UUID:
    return ws.escalations.start(EscalationDraft(_person(ws), ["sudden-deterioration"], "Sounded very low"))[0].id


def _event(ws: Workspace) -> uuid.UUID:
    esc, _ = ws.escalations.answer(_escalation(ws), "danger", "No")
    return esc.actions[-1].id


def as_team_lead(ws: Workspace) -> uuid.UUID:
    """Switch the workspace to the demo team's lead (same store, a new device id); returns their id."""
    with ws.store.sessions() as session:
        lead = session.scalars(select(models.Staff).where(models.Staff.role == "team_lead")).first()
        assert lead is not None
        org, lead_id = lead.organisation_id, lead.id
    ws.set_identity(org, lead_id, uuid.uuid4())
    return lead_id


def _record_review(ws: Workspace) -> uuid.UUID:
    note = _note(ws)
    as_team_lead(ws)
    return ws.lead.review(note, "Good use of the plan")[0].id


def _supervision(ws: Workspace) -> uuid.UUID:
    worker = ws.actor.staff_id
    person = _person(ws)
    as_team_lead(ws)
    draft = SupervisionDraft(worker, NOW, [PersonDiscussed(person, "Did not escalate: no current intent",
                             actions=[ActionDraft("Review plan step 4", "Sam", NOW.date())])])  # fmt: skip
    return ws.lead.record_supervision(draft)[0][0].id


def _learning(ws: Workspace) -> LearningReviewDraft:
    return LearningReviewDraft(_person(ws), NOW, "Two missed visits", "Sister answered", "Line busy",
                               actions=[ActionDraft("Add second duty number", "Lead", NOW.date())])  # fmt: skip


def _learning_review(ws: Workspace) -> uuid.UUID:
    draft = _learning(ws)
    as_team_lead(ws)
    return ws.lead.record_learning_review(draft)[0].id


def _action_update(ws: Workspace) -> uuid.UUID:
    draft = _learning(ws)
    as_team_lead(ws)
    review, _ = ws.lead.record_learning_review(draft)
    action_id = uuid.UUID(review.actions[0]["action_id"])
    return ws.lead.update_action(review.id, action_id, ActionStatus.DONE, "Done")[0].id


def _case_audit(ws: Workspace) -> uuid.UUID:
    person = _person(ws)
    lead = as_team_lead(ws)
    event = case_audit.Event(case_audit.Reason.ESCALATION, uuid.uuid4(), NOW)
    case = case_audit.Case(person, (event,), frozenset({uuid.uuid4()}))
    sample = case_audit.draw([case], lead, 1, 7, sample_id=uuid.uuid4(), drawn_at=NOW,
                             period_from=NOW.date(), period_to=NOW.date())  # fmt: skip
    answers = [case_audit.AnswerDraft(q, case_audit.Answer.YES) for q, _ in case_audit.CHECKLIST]
    return ws.lead.record_case_audit(sample, case, answers)[0].id


def _planned(ws: Workspace) -> uuid.UUID:
    draft = PlannedContactDraft(_person(ws), NOW + timedelta(days=2), ContactMethod.HOME_VISIT, "Check in")
    return ws.planned.plan(draft)[0].id


def _planned_change(ws: Workspace) -> uuid.UUID:
    ws.planned.cancel(_planned(ws), "Sam is away that week")
    with ws.store.sessions() as session:
        return session.scalars(select(models.PlannedContactChange.id)).one()


def _contact_plan(ws: Workspace) -> uuid.UUID:
    today = NOW.date()
    draft = ContactPlanDraft(_person(ws), 2, today + timedelta(days=1), today + timedelta(days=14), time(10),
                             ContactMethod.PHONE, "Contact re-established after two misses")  # fmt: skip
    return ws.planned.increase(draft)[0].id


def _contact_plan_change(ws: Workspace) -> uuid.UUID:
    ws.planned.end_plan(_contact_plan(ws), "Settled; back to weekly")
    with ws.store.sessions() as session:
        return session.scalars(select(models.ContactPlanChange.id)).one()


WRITERS: dict[str, tuple[Callable[[Workspace], uuid.UUID], audit.AuditAction]] = {
    "contact_note": (_note, audit.AuditAction.CREATE),
    "note_amendment": (_amendment, audit.AuditAction.AMEND),
    "safety_plan_revision": (_revision, audit.AuditAction.CREATE),
    "safety_review": (_review, audit.AuditAction.CREATE),
    "escalation_opened": (_escalation, audit.AuditAction.CREATE),
    "escalation_event": (_event, audit.AuditAction.CREATE),
    "record_review": (_record_review, audit.AuditAction.CREATE),
    "supervision": (_supervision, audit.AuditAction.CREATE),
    "learning_review": (_learning_review, audit.AuditAction.CREATE),
    "action_update": (_action_update, audit.AuditAction.CREATE),
    "case_audit": (_case_audit, audit.AuditAction.CREATE),
    "planned_contact": (_planned, audit.AuditAction.CREATE),
    "planned_contact_change": (_planned_change, audit.AuditAction.CREATE),
    "contact_plan": (_contact_plan, audit.AuditAction.CREATE),
    "contact_plan_change": (_contact_plan_change, audit.AuditAction.CREATE),
}


def test_every_record_type_has_a_service_that_writes_it() -> None:
    assert set(WRITERS) == set(records.TYPES)


@pytest.mark.parametrize("record_type", sorted(records.TYPES))
def test_a_record_written_through_its_service_has_one_outbox_entry_and_one_audit_event(
    workspace: Workspace, record_type: str
) -> None:
    write, action = WRITERS[record_type]
    record_id = write(workspace)
    spec = records.TYPES[record_type]
    with workspace.store.sessions() as session:
        (item,) = session.scalars(select(models.OutboxItem).where(models.OutboxItem.record_id == record_id))
        assert item.record_type == record_type
        # The hash was fixed when the record was made and is what the record serialises to now, and again.
        row = session.get(spec.model, record_id)
        body = records.envelope(row)
        assert item.sha256 == records.sha256(body) == records.sha256(outbox.wire(item))
        assert records.sha256(records.envelope(row)) == item.sha256
        golden = json.loads((GOLDEN / f"{record_type}.json").read_text())
        assert set(item.payload) == set(golden["payload"]), "the payload has exactly the golden file's fields"
        events = list(
            session.scalars(
                select(models.AuditEvent.action).where(
                    models.AuditEvent.record_id == str(record_id), models.AuditEvent.action != "sign"
                )
            )
        )
        assert events == [action.value]


def test_a_record_that_skips_the_outbox_is_refused_and_nothing_is_saved(workspace: Workspace) -> None:
    person = _person(workspace)
    count = select(func.count()).select_from(models.SafetyReview)
    with workspace.store.sessions() as session:
        before = session.scalar(count)
    with pytest.raises(UnqueuedRecord, match="without its outbox or audit entry"), workspace.uow.write() as session:
        session.add(
            models.SafetyReview(
                id=new_id(), person_id=person, author_id=workspace.actor.staff_id,
                device_id=workspace.actor.device_id, created_at=NOW, trigger="missed_contact", what_changed="x",
                persons_account="", why_it_matters="x", current_concerns="", protective_factors="", next_steps=[],
                plan_reviewed=True, plan_review_note="", threshold_criteria=[],
            )
        )  # fmt: skip
    with workspace.store.sessions() as session:
        assert session.scalar(count) == before


def test_a_draft_note_stays_off_the_outbox_but_not_off_the_audit_trail(workspace: Workspace) -> None:
    draft = NoteDraft(_person(workspace), NOW - timedelta(hours=1), NOW - timedelta(minutes=30),
                      ContactMethod.PHONE, Outcome.SPOKEN_TO, "Draft")  # fmt: skip
    note, _ = workspace.notes.record(draft, sign=False)
    with workspace.store.sessions() as session:
        assert session.scalar(select(func.count()).where(models.OutboxItem.record_id == note.id)) == 0
        assert session.scalar(select(func.count()).where(models.AuditEvent.record_id == str(note.id))) == 1


def test_a_device_enrolled_to_nobody_cannot_record_and_says_why(workspace: Workspace, clock) -> None:
    nobody = audit.Actor(None, None)
    notes = ContactNoteService(workspace.uow, clock, nobody)
    draft = NoteDraft(_person(workspace), NOW - timedelta(hours=1), NOW - timedelta(minutes=30),
                      ContactMethod.PHONE, Outcome.SPOKEN_TO, "Text")  # fmt: skip
    with pytest.raises(InvalidInput, match="not enrolled to a worker"):
        notes.record(draft)
    reviews = SafetyReviewService(workspace.uow, clock, nobody)
    with pytest.raises(InvalidInput, match="not enrolled to a worker"):
        reviews.record(
            ReviewDraft(_person(workspace), TriggerPoint.MEDICATION_CHANGE, "x", "y", "z", plan_reviewed=True)
        )
