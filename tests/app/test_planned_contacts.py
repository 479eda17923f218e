"""Planned contacts as change records: plan, reschedule and cancel with a reason, increase contact every N
days until a date and end it early; what each contact is now is folded from the records, and one that
passed with no note is overdue work on the caseload and the work-due list."""

import uuid
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.errors import InvalidInput
from app.planned_contacts import ContactPlanDraft, PlannedContactDraft, PlannedStatus, plan_dates
from app.workspace import Workspace
from storage import models
from tests.conftest import NOW

VISIT, PHONE = ContactMethod.HOME_VISIT, ContactMethod.PHONE


def vary_the_schedule(ws: Workspace) -> list[uuid.UUID]:
    """Four persons' schedules, planned a week ago and changed yesterday, seen now (NOW)."""
    p = [r.person_id for r in ws.caseload.rows()[:4]]
    ws.clock.set(NOW - timedelta(days=7))
    ws.planned.plan(
        PlannedContactDraft(p[0], NOW - timedelta(days=1), VISIT, "Open window", window_end=NOW + timedelta(hours=1))
    )
    ws.planned.plan(PlannedContactDraft(p[0], NOW - timedelta(hours=2), VISIT, "Passed, no note"))
    cancelled, _ = ws.planned.plan(PlannedContactDraft(p[1], NOW - timedelta(hours=5), VISIT, "Cancelled"))
    moved, _ = ws.planned.plan(PlannedContactDraft(p[1], NOW - timedelta(hours=1), VISIT, "Moved"))
    ws.planned.plan(
        PlannedContactDraft(p[1], NOW - timedelta(hours=9), VISIT, "Window closed", window_end=NOW - timedelta(hours=8))
    )
    ws.planned.increase(
        ContactPlanDraft(
            p[2],
            2,
            (NOW - timedelta(days=6)).date(),
            (NOW + timedelta(days=8)).date(),
            time(9),
            PHONE,
            "After two misses",
            "Increased",
        )
    )
    ended, _ = ws.planned.increase(
        ContactPlanDraft(
            p[3],
            3,
            (NOW - timedelta(days=6)).date(),
            (NOW + timedelta(days=9)).date(),
            time(9),
            PHONE,
            "After a crisis",
            "Increased",
        )
    )
    ws.clock.set(NOW - timedelta(days=1))
    ws.planned.cancel(cancelled.id, "Sam is away")
    ws.planned.reschedule(moved.id, NOW + timedelta(days=1), "Sam asked for tomorrow")
    ws.planned.end_plan(ended.id, "Settled: back to weekly")
    ws.clock.set(NOW)
    return p


def _by_purpose(ws: Workspace, person: uuid.UUID, purpose: str) -> list[PlannedStatus]:
    return [c.status for c in ws.planned.for_person(person).contacts if c.purpose == purpose]


def test_each_contact_is_what_its_records_say_now(workspace: Workspace) -> None:
    p = vary_the_schedule(workspace)
    assert _by_purpose(workspace, p[0], "Open window") == [PlannedStatus.PLANNED], "its window is still open"
    assert _by_purpose(workspace, p[0], "Passed, no note") == [PlannedStatus.OVERDUE]
    assert _by_purpose(workspace, p[1], "Cancelled") == [PlannedStatus.CANCELLED]
    assert _by_purpose(workspace, p[1], "Window closed") == [PlannedStatus.OVERDUE]
    moved = [c for c in workspace.planned.for_person(p[1]).contacts if c.purpose == "Moved"]
    old, new = sorted(moved, key=lambda c: c.created_at)
    assert old.status is PlannedStatus.RESCHEDULED and old.change_reason == "Sam asked for tomorrow"
    assert new.status is PlannedStatus.PLANNED and new.replaces_id == old.id and old.replacement_id == new.id
    assert new.due_at == NOW + timedelta(days=1) and old.due_at == NOW - timedelta(hours=1), "the original stays"
    # Every 2 days from 6 days ago to 8 days on, at 09:00: four have passed unmet, four are to come.
    increased = _by_purpose(workspace, p[2], "Increased")
    assert increased.count(PlannedStatus.OVERDUE) == 4 and increased.count(PlannedStatus.PLANNED) == 4
    # Ended yesterday: its two passed contacts stay overdue (they were due and missed), the rest cancelled.
    ended = _by_purpose(workspace, p[3], "Increased")
    assert ended.count(PlannedStatus.OVERDUE) == 2 and ended.count(PlannedStatus.CANCELLED) == 4
    (plan,) = workspace.planned.for_person(p[3]).plans
    assert plan.end_reason == "Settled: back to weekly" and not plan.active(NOW.date())


def test_overdue_planned_contacts_are_work_due_on_the_caseload_never_a_risk(workspace: Workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    before = next(r for r in workspace.caseload.rows() if r.person_id == person)
    workspace.clock.set(NOW - timedelta(days=1))
    workspace.planned.plan(PlannedContactDraft(person, NOW - timedelta(hours=3), VISIT, "Weekly visit"))
    workspace.clock.set(NOW)
    after = next(r for r in workspace.caseload.rows() if r.person_id == person)
    assert after.overdue_actions == before.overdue_actions + 1 and after.has_work_due
    assert after.due.since is not None and after.due.since <= NOW - timedelta(hours=3)
    assert "risk" not in after.due.kind.name.lower()
    # The visit recorded: the contact is met and no longer overdue.
    workspace.notes.record(NoteDraft(person, NOW - timedelta(hours=3), NOW - timedelta(hours=2), VISIT,
                                     Outcome.SEEN, "Visited at home"))  # fmt: skip
    met = next(r for r in workspace.caseload.rows() if r.person_id == person)
    assert met.overdue_actions == before.overdue_actions
    assert [c.status for c in workspace.planned.for_person(person).contacts if c.purpose == "Weekly visit"] == [
        PlannedStatus.MET
    ]


def test_a_visit_met_by_a_note_entered_in_error_is_overdue_again(workspace: Workspace) -> None:
    """The note that met the visit was written for the wrong person or never happened: the visit is still owed,
    and the caseload and the person's schedule must say so (the note itself stays in the record)."""
    person = workspace.caseload.rows()[0].person_id
    before = next(r for r in workspace.caseload.rows() if r.person_id == person)
    workspace.clock.set(NOW - timedelta(days=1))
    workspace.planned.plan(PlannedContactDraft(person, NOW - timedelta(hours=3), VISIT, "Weekly visit"))
    workspace.clock.set(NOW)
    note, _ = workspace.notes.record(NoteDraft(person, NOW - timedelta(hours=3), NOW - timedelta(hours=2), VISIT,
                                               Outcome.SEEN, "Visited at home"))  # fmt: skip
    assert note.planned_contact_id is not None
    workspace.notes.amend(note.id, AmendmentKind.ENTERED_IN_ERROR, "Written on the wrong person", "")
    after = next(r for r in workspace.caseload.rows() if r.person_id == person)
    assert after.overdue_actions == before.overdue_actions + 1
    assert _by_purpose(workspace, person, "Weekly visit") == [PlannedStatus.OVERDUE]


def test_the_next_planned_contact_is_the_earliest_still_to_come(workspace: Workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    first, _ = workspace.planned.plan(PlannedContactDraft(person, NOW + timedelta(hours=2), PHONE, "Call"))
    row = next(r for r in workspace.caseload.rows() if r.person_id == person)
    assert row.next_planned_at == NOW + timedelta(hours=2)
    workspace.planned.cancel(first.id, "Sam rang to say they are out")
    row = next(r for r in workspace.caseload.rows() if r.person_id == person)
    assert row.next_planned_at != NOW + timedelta(hours=2), "a cancelled contact is not the next one"


def test_changes_need_a_reason_and_happen_once(workspace: Workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    planned, _ = workspace.planned.plan(PlannedContactDraft(person, NOW + timedelta(days=1), VISIT, "Visit"))
    with pytest.raises(InvalidInput, match="Why it is cancelled"):
        workspace.planned.cancel(planned.id, "  ")
    with pytest.raises(InvalidInput, match="Why it is rescheduled"):
        workspace.planned.reschedule(planned.id, NOW + timedelta(days=2), "")
    workspace.planned.cancel(planned.id, "Admitted to hospital")
    with pytest.raises(InvalidInput, match="already cancelled"):
        workspace.planned.reschedule(planned.id, NOW + timedelta(days=2), "Try again")
    with pytest.raises(InvalidInput, match="in the past"):
        workspace.planned.plan(PlannedContactDraft(person, NOW - timedelta(minutes=1), VISIT, "Too late"))
    with pytest.raises(InvalidInput, match="Kind of contact"):
        workspace.planned.plan(PlannedContactDraft(person, NOW + timedelta(days=1), ContactMethod.LETTER, "Letter"))
    with pytest.raises(InvalidInput, match="Window ends"):
        workspace.planned.plan(PlannedContactDraft(person, NOW + timedelta(days=1), VISIT, "W",
                                                   window_end=NOW + timedelta(hours=1)))  # fmt: skip


def test_a_change_is_a_new_record_and_the_planned_contact_row_never_changes(workspace: Workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    planned, _ = workspace.planned.plan(PlannedContactDraft(person, NOW + timedelta(days=1), VISIT, "Visit"))
    new, _ = workspace.planned.reschedule(planned.id, NOW + timedelta(days=3), "Sam asked")
    with workspace.store.sessions() as session:
        old = session.get(models.PlannedContact, planned.id)
        assert old is not None and old.due_at == NOW + timedelta(days=1)
        types = list(session.scalars(select(models.OutboxItem.record_type).order_by(models.OutboxItem.seq)))
        assert types[-3:] == ["planned_contact", "planned_contact", "planned_contact_change"]
        change = session.scalars(select(models.OutboxItem).order_by(models.OutboxItem.seq.desc())).first()
        assert change is not None and change.refers_to == planned.id
        assert change.payload["replacement_id"] == str(new.id) and change.payload["reason"] == "Sam asked"
    with pytest.raises(Exception, match="append-only"), workspace.store.sessions.begin() as session:
        session.execute(models.PlannedContact.__table__.update().values(purpose="edited"))


def test_cancelling_the_last_planned_contact_says_nobody_is_planned_to_see_the_person(workspace: Workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    for c in workspace.planned.for_person(person).upcoming:
        workspace.planned.cancel(c.id, "Clearing the demo's plan")
    one, _ = workspace.planned.plan(PlannedContactDraft(person, NOW + timedelta(days=1), VISIT, "Visit"))
    two, _ = workspace.planned.plan(PlannedContactDraft(person, NOW + timedelta(days=8), VISIT, "Visit"))
    assert workspace.planned.cancel(one.id, "Moved to next week")[0].nothing_left is False
    assert workspace.planned.cancel(two.id, "Sam declined")[0].nothing_left is True


def test_increase_contact_generates_its_dates_and_refuses_an_open_ended_plan(workspace: Workspace) -> None:
    today = NOW.date()
    assert plan_dates(today, today + timedelta(days=14), 2) == [today + timedelta(days=d) for d in range(0, 15, 2)]
    person = workspace.caseload.rows()[0].person_id
    with pytest.raises(InvalidInput, match="within 92 days"):
        workspace.planned.increase(
            ContactPlanDraft(person, 2, today, today + timedelta(days=200), time(10), PHONE, "x")
        )
    with pytest.raises(InvalidInput, match="Why contact is increased"):
        workspace.planned.increase(ContactPlanDraft(person, 2, today, today + timedelta(days=14), time(10), PHONE, ""))
    plan, _ = workspace.planned.increase(
        ContactPlanDraft(person, 2, today, today + timedelta(days=14), time(10), PHONE, "Contact re-established")
    )
    made = [c for c in workspace.planned.for_person(person).contacts if c.contact_plan_id == plan.id]
    # Today's 10:00 has passed (it is 14:30): a plan never plans a contact already overdue.
    assert [c.due_at.date() for c in made] == [today + timedelta(days=d) for d in range(2, 15, 2)]
    assert all(c.due_at.hour == 10 and c.method == "phone" for c in made)
