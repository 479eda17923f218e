"""The demo reads like a real caseload (a new user's review): planned visits and calls, and the contacts
recorded, fall in the team's working hours; a note's next action does not repeat "Next"; the person the
plan says to contact first is one the team may contact, so the re-contact routes name them too."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.clock import FixedClock
from app.hours import LONDON
from app.workspace import Workspace
from resources.demo.generator import FIRST_SLOT, LAST_SLOT, populate
from storage import models
from tests.conftest import PASSPHRASE, TEST_KDF

# A weekday afternoon, a weekday before dawn (the review's 01:21 and 04:21), a Sunday evening, a Monday noon.
MOMENTS = [datetime(2026, 11, 26, 14, 30, tzinfo=UTC), datetime(2026, 12, 2, 2, 53, tzinfo=UTC),
           datetime(2026, 11, 29, 19, 5, tzinfo=UTC), datetime(2026, 11, 30, 12, 0, tzinfo=UTC)]  # fmt: skip


def _in_working_hours(at: datetime) -> bool:
    local = at.replace(tzinfo=UTC).astimezone(LONDON) if at.tzinfo is None else at.astimezone(LONDON)
    return local.weekday() < 5 and FIRST_SLOT <= local.hour <= LAST_SLOT and local.minute == 0


@pytest.fixture(params=MOMENTS, ids=["weekday-afternoon", "before-dawn", "sunday-evening", "monday-noon"])
def demo(request, tmp_path):
    now = request.param
    workspace = Workspace.create(tmp_path / "store", PASSPHRASE, kdf=TEST_KDF, clock=FixedClock(now))
    populate(workspace, persons=12, seed=7, now=now)
    yield workspace, now
    workspace.close()


def test_planned_and_recorded_contacts_fall_in_working_hours(demo) -> None:
    workspace, _now = demo
    with workspace.uow.read() as session:
        planned = session.scalars(select(models.PlannedContact))
        odd = [p.due_at for p in planned if not _in_working_hours(p.due_at)]
        assert odd == [], "planned outside working hours"
        notes = session.scalars(select(models.ContactNote))
        odd = [n.contact_start for n in notes if not _in_working_hours(n.contact_start)]
        assert odd == [], "recorded outside working hours"


def test_next_actions_do_not_say_next_twice(demo) -> None:
    workspace, _now = demo
    with workspace.uow.read() as session:
        actions = set(session.scalars(select(models.ContactNote.next_action)))
    assert actions and not [a for a in actions if a and a.lower().startswith("next")]


def test_the_plans_contact_first_is_someone_the_team_may_contact(demo) -> None:
    workspace, _now = demo
    for row in workspace.caseload.rows():
        person = workspace.caseload.person(row.person_id)
        plan = workspace.plans.current(row.person_id)
        assert plan is not None
        first = plan.preferences.contact_first
        may = [f"{s.name} ({s.relationship})" for s in person.support_network if s.may_contact]
        assert first in may, "the plan's contact first is among the re-contact routes"


def test_the_two_missed_visits_still_raise_the_welfare_check(demo) -> None:
    workspace, now = demo
    summary_person = next(r for r in workspace.caseload.rows() if r.open_episodes)
    checks = [e for e in workspace.escalations.for_person(summary_person.person_id) if e.kind.value == "welfare-check"]
    assert len(checks) == 1 and checks[0].is_open and checks[0].identified_at < now


@pytest.mark.parametrize("now", MOMENTS[1:3], ids=["before-dawn", "sunday-evening"])
def test_the_lead_demo_has_the_team_visiting_and_calling_in_working_hours(tmp_path, now) -> None:
    from resources.demo.lead import populate_lead

    workspace = Workspace.create(tmp_path / "lead", PASSPHRASE, kdf=TEST_KDF, clock=FixedClock(now))
    try:
        populate_lead(workspace, persons=12, seed=7, now=now)
        with workspace.uow.read() as session:
            starts = list(session.scalars(select(models.ContactNote.contact_start)))
        assert starts and [s for s in starts if not _in_working_hours(s)] == []
    finally:
        workspace.close()
