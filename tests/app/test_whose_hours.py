"""Issue 9, findings 4 and 5: the team's calendar (its own nation's bank holidays) decides in or out of
hours and which team lines are offered; the person's nation decides their national lines; a period that
changes during an open escalation is said, with the other period's contacts offered for the steps left."""

import uuid
from datetime import UTC, datetime, timedelta

from app.escalations import EscalationDraft
from app.hours import Period
from app.persons import Nation
from app.workspace import Workspace
from storage import models
from tests.app.test_escalation_closing import _fresh_person

ST_ANDREWS_DAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Monday: a bank holiday in Scotland only


def _scottish_resident_on_an_english_team(ws: Workspace) -> uuid.UUID:
    pid = _fresh_person(ws)
    with ws.store.sessions.begin() as session:
        person = session.get(models.Person, pid)
        assert (person is not None and person.area == "eastmoor") or person.area == "westdale"
        person.area, person.nation = "eastmoor", "scotland"
    return pid


def test_finding_4_a_scottish_resident_on_an_english_team_on_st_andrews_day(workspace, clock) -> None:
    ws = workspace
    clock.set(ST_ANDREWS_DAY)
    pid = _scottish_resident_on_an_english_team(ws)
    esc, _ = ws.escalations.start(EscalationDraft(pid, ["sudden-deterioration"], "Not themselves"))
    assert esc.period.period is Period.IN_HOURS, "the English team is open on St Andrew's Day"
    assert esc.pathway.id == "moorland-in-hours"
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    (step,) = ws.escalations.call_now(esc)
    assert [(o.entry.id, o.open_now) for o in step.offers] == [("eastmoor-duty-worker", True)], "the team's line"
    lines = [o.entry.id for o in ws.escalations.config.directory.national_lines(Nation.SCOTLAND, ST_ANDREWS_DAY)]
    assert "nhs-24-mental-health" in lines and "nhs-111-mental-health" not in lines, "the person's nation's lines"


def test_finding_4_an_english_resident_on_an_english_team_on_st_andrews_day_is_in_hours_too(workspace, clock):
    clock.set(ST_ANDREWS_DAY)
    pid = _fresh_person(workspace)
    esc, _ = workspace.escalations.start(EscalationDraft(pid, ["sudden-deterioration"], "Not themselves"))
    assert esc.period.period is Period.IN_HOURS


def test_finding_5_the_period_ending_during_an_open_escalation_is_said_and_the_other_contacts_offered(
    workspace, clock
) -> None:
    ws = workspace
    started = datetime(2026, 11, 26, 16, 50, tzinfo=UTC)  # Thursday, ten minutes before the team closes
    clock.set(started)
    pid = _fresh_person(ws)
    esc, _ = ws.escalations.start(EscalationDraft(pid, ["sudden-deterioration"], "Much worse this afternoon"))
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    assert ws.escalations.period_change(esc) is None
    clock.set(started + timedelta(minutes=20))
    change = ws.escalations.period_change(esc)
    assert change is not None and change.now.period is Period.OUT_OF_HOURS
    assert "now out of hours" in change.describe() and "out-of-hours pathway" in change.describe()
    (step,) = ws.escalations.call_now(esc)
    offered = [(o.entry.id, o.open_now) for o in step.offers]
    assert ("eastmoor-duty-worker", False) in offered, "the in-hours line is still shown, closed"
    assert ("moorland-crisis-team", True) in offered and ("moorland-on-call-manager", True) in offered
    assert step.offers[0].entry.id in ("moorland-crisis-team", "moorland-on-call-manager"), "open first"
    assert esc.pathway.id == "moorland-in-hours", "the record keeps the pathway it started on"
