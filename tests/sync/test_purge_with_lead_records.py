"""A person who leaves a worker's scope leaves their laptop whole, the team lead's records about them too
(purging once failed on the append-only triggers, and would on any record table the purge did not know)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from storage import models
from tests.conftest import NOW
from tests.sync.inprocess import LEAD, WORKER, DemoServer


def test_a_person_unassigned_leaves_the_laptop_with_every_record_about_them(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    worker = demo_server.laptop(WORKER, tmp_path / "worker")
    lead = demo_server.laptop(LEAD, tmp_path / "lead")
    try:
        with worker.uow.read() as session:
            person = session.scalars(select(models.Person.id).order_by(models.Person.id)).first()
        assert person is not None and person in {r.person_id for r in worker.caseload.rows()}
        note, _ = worker.notes.record(
            NoteDraft(person, NOW - timedelta(hours=1), NOW - timedelta(minutes=30), ContactMethod.PHONE,
                      Outcome.SPOKEN_TO, "Talked through the plan.", plan_steps_used=[])
        )  # fmt: skip
        demo_server.sync(worker)
        demo_server.sync(lead)
        lead.lead.review(note.id, "Seen")
        demo_server.sync(lead)
        demo_server.sync(worker)
        with worker.uow.read() as session:
            assert session.scalar(select(func.count()).select_from(models.RecordReview)) == 1

        demo_server.admin.unassign(WORKER, person)
        report = demo_server.sync(worker)

        assert report.persons_removed == 1
        assert person not in {r.person_id for r in worker.caseload.rows()}
        with worker.uow.read() as session:
            assert session.get(models.Person, person) is None
            for model in (models.ContactNote, models.RecordReview, models.Assignment, models.OutboxItem):
                left = select(func.count()).select_from(model).where(model.person_id == person)  # type: ignore[attr-defined]
                assert session.scalar(left) == 0, model.__name__
            removed = select(models.AuditEvent.record_id).where(models.AuditEvent.action == "removed")
            assert list(session.scalars(removed)) == [str(person)], "the removal is in the device's audit log"
            # The append-only guard is back for everyone else.
            triggers = set(
                session.connection().exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'").scalars()
            )
        assert {"contact_note_signed_no_delete", "record_review_no_delete"} <= triggers
    finally:
        worker.close()
        lead.close()
