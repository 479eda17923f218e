"""J7 end to end with real stores: a worker's note syncs to the team lead's laptop, the lead reviews it and
records a supervision with an action closed later, and both reach the worker's laptop unchanged."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.actions import ActionState, ActionStatus
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.lead_records import ActionDraft, PersonDiscussed, SupervisionDraft
from storage import models, records
from tests.conftest import NOW
from tests.sync.inprocess import LEAD, WORKER, DemoServer


def test_a_review_and_a_supervision_reach_the_workers_laptop(demo_server: DemoServer, tmp_path: Path) -> None:
    worker = demo_server.laptop(WORKER, tmp_path / "worker")
    lead = demo_server.laptop(LEAD, tmp_path / "lead")
    try:
        assert (worker.role(), lead.role()) == ("worker", "team_lead")
        with worker.uow.read() as session:
            person = session.scalars(select(models.Person.id).order_by(models.Person.id)).first()
        note, _ = worker.notes.record(
            NoteDraft(person, NOW - timedelta(hours=1), NOW - timedelta(minutes=30), ContactMethod.PHONE,
                      Outcome.SPOKEN_TO, "Talked through the plan; used step 2.", plan_steps_used=[2])
        )  # fmt: skip
        demo_server.sync(worker)
        demo_server.sync(lead)
        review, _ = lead.lead.review(note.id, "Good use of step 2")
        rows, _ = lead.lead.record_supervision(
            SupervisionDraft(worker.actor.staff_id, NOW, [
                PersonDiscussed(person, "No escalation: no current intent", actions=[
                    ActionDraft("Offer a visit this week", "Sam", NOW.date() + timedelta(days=2))])])
        )  # fmt: skip
        action_id = uuid.UUID(rows[0].actions[0]["action_id"])
        demo_server.clock.set(NOW + timedelta(days=1))
        lead.lead.update_action(rows[0].id, action_id, ActionStatus.DONE, "Visit booked")
        assert lead.outbox_pending() == 3
        demo_server.sync(lead)
        assert lead.outbox_pending() == 0
        demo_server.sync(worker)
        with worker.uow.read() as session, lead.uow.read() as theirs:
            for model in (models.RecordReview, models.Supervision, models.ActionUpdate):
                [here] = session.scalars(select(model))
                there = theirs.get(model, here.id)
                assert records.sha256(records.envelope(here)) == records.sha256(records.envelope(there))
        assert [r.comment for r in worker.lead.reviews_of([note.id])] == ["Good use of step 2"]
        assert review.reviewed_id == note.id
        assert [a.state for a in worker.lead.actions(NOW.date() + timedelta(days=5))] == [ActionState.DONE]
    finally:
        worker.close()
        lead.close()
