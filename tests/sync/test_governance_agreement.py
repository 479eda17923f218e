"""The lead's laptop and the server compute the same governance figures from the same records.

A worker records a contact note and an escalation on their laptop and syncs; the team lead's laptop syncs
the team's records, reviews the note and records a supervision whose action is later done, and syncs back;
the report made on the laptop and the one the server makes from its own records agree, figure by figure
and record by record (sync harness: real stores and sync engine, in-process server)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.actions import ActionStatus
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.escalations import ActionDraft, ActionKind, EscalationDraft
from app.governance.report import Report
from app.governance.service import GovernanceService
from app.lead_records import ActionDraft as AgreedActionDraft
from app.lead_records import PersonDiscussed, SupervisionDraft
from storage import models
from sync.server.report import team_report
from tests.conftest import NOW
from tests.sync.inprocess import LEAD, WORKER, DemoServer


def _figures(report: Report) -> dict[tuple[str, str], tuple[int, int, str, tuple[uuid.UUID, ...], frozenset]]:
    return {
        (m.key, f.key): (f.numerator, f.denominator, f.text(), tuple(sorted(f.cases)), frozenset(f.pending))
        for m in report.measures
        for f in m.figures
    }


def test_the_lead_laptop_and_the_server_agree_on_the_same_records(demo_server: DemoServer, tmp_path: Path) -> None:
    worker = demo_server.laptop(WORKER, tmp_path / "worker")
    lead = demo_server.laptop(LEAD, tmp_path / "lead")
    try:
        with worker.uow.read() as session:
            person = session.scalars(select(models.Person.id).order_by(models.Person.id)).first()
        assert person is not None and worker.config is not None and worker.config.pathways.criteria is not None
        note, _ = worker.notes.record(
            NoteDraft(person, NOW - timedelta(hours=1), NOW - timedelta(minutes=30), ContactMethod.PHONE,
                      Outcome.SPOKEN_TO, "Talked through the plan; used step 2.", plan_steps_used=[2])
        )  # fmt: skip
        criterion = worker.config.pathways.criteria.criteria[0].code
        esc, _ = worker.escalations.start(EscalationDraft(person, [criterion], "Said they have a plan for tonight."))
        node = esc.walk.current
        while node.type.value == "question":
            esc, _ = worker.escalations.answer(esc.id, node.id, node.answers[-1].label)
            node = esc.walk.current
        worker.escalations.record_action(esc.id, ActionDraft(node.id, ActionKind.PHONED, reached=True))
        demo_server.sync(worker)

        demo_server.sync(lead)
        lead.lead.review(note.id, "Good use of step 2")
        rows, _ = lead.lead.record_supervision(
            SupervisionDraft(worker.actor.staff_id, NOW, [
                PersonDiscussed(person, "Escalated: current intent", escalations=[esc.id], actions=[
                    AgreedActionDraft("Offer a visit this week", "Sam", NOW.date() + timedelta(days=2))])])
        )  # fmt: skip
        lead.lead.update_action(rows[0].id, uuid.UUID(rows[0].actions[0]["action_id"]), ActionStatus.DONE, "Booked")
        demo_server.sync(lead)

        as_of = NOW + timedelta(days=3)
        demo_server.clock.set(as_of)
        first, last = (NOW - timedelta(days=400)).date(), as_of.date()
        assert lead.config is not None
        on_laptop = GovernanceService(lead.uow, demo_server.clock, lead.actor, lead.config).report(
            "eastmoor", first, last
        )
    finally:
        worker.close()
        lead.close()
    on_server = team_report(demo_server.admin, "eastmoor", first, last)

    assert _figures(on_laptop) == _figures(on_server)
    assert esc.id in on_server.measure("escalation_timeliness").figure("first_action").cases
    assert note.id in on_server.measure("review_coverage").figure("reviewed_in_time").counted
    assert on_server.measure("learning_actions").figure("done").numerator == 1
    assert on_laptop.unreadable == on_server.unreadable == 0
    assert on_laptop.synced_text() != on_server.synced_text()
