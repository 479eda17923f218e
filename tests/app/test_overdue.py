"""The overdue rule for one person agrees with the bulk caseload query for every person on the caseload."""

from datetime import timedelta

from sqlalchemy import select

from app.overdue import NoteFact, PlannedFact, overdue
from app.workspace import Workspace
from storage import models
from tests.app.test_planned_contacts import vary_the_schedule
from tests.conftest import NOW


def notes_of(session, person_id) -> list[NoteFact]:
    return [
        NoteFact(n.contact_end, n.planned_contact_id, n.next_action_due)
        for n in session.scalars(select(models.ContactNote).where(models.ContactNote.person_id == person_id))
    ]


def test_the_rule_and_the_caseload_query_agree_for_everyone(workspace: Workspace) -> None:
    # Some planned contacts moved, cancelled, planned as windows and as an increase-contact plan, so the
    # caseload's SQL, this rule and the schedule's fold are compared over every kind of change record.
    vary_the_schedule(workspace)
    rows = workspace.caseload.rows()
    assert any(r.overdue_actions for r in rows), "the demo has overdue work to compare"
    follow_ups = {
        row.person_id: [
            e.follow_up_overdue_at
            for e in workspace.escalations.for_person(row.person_id)
            if e.follow_up_overdue_at is not None
        ]
        for row in rows
    }
    schedules = {row.person_id: workspace.planned.for_person(row.person_id) for row in rows}
    with workspace.store.sessions() as session:
        for row in rows:
            ended = set(session.scalars(select(models.PlannedContactChange.planned_contact_id)))
            planned = [
                PlannedFact(p.id, p.due_at, p.window_end, p.id in ended)
                for p in session.scalars(
                    select(models.PlannedContact).where(models.PlannedContact.person_id == row.person_id)
                )
            ]
            by_rule = overdue(planned, notes_of(session, row.person_id), NOW).planned_contacts
            assert len(schedules[row.person_id].overdue) == by_rule, "the schedule's fold and the rule agree"
            notes = [
                NoteFact(n.contact_end, n.planned_contact_id, n.next_action_due)
                for n in session.scalars(
                    select(models.ContactNote).where(models.ContactNote.person_id == row.person_id)
                )
            ]
            assert overdue(planned, notes, NOW, follow_ups[row.person_id]).count == row.overdue_actions


def test_a_met_planned_contact_is_not_overdue_and_only_the_latest_next_action_counts() -> None:
    import uuid

    a, b = uuid.uuid4(), uuid.uuid4()
    planned = [PlannedFact(a, NOW - timedelta(hours=3)), PlannedFact(b, NOW - timedelta(hours=1))]
    old = NoteFact(NOW - timedelta(days=2), None, NOW - timedelta(days=1))
    met = NoteFact(NOW - timedelta(hours=3), a, None)
    result = overdue(planned, [old, met], NOW)
    assert (result.planned_contacts, result.next_action, result.count) == (1, False, 1)
    assert overdue(planned, [old], NOW).next_action is True
