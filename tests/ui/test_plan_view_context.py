"""What the plan says about itself: how old this laptop's copy may be, and whether it was written with the
person (a plan not co-produced is said so, never left to be assumed)."""

from dataclasses import replace
from datetime import timedelta

from tests.conftest import NOW
from ui.plan_view import PlanContext, plan_html


def _plan_and_person(workspace):
    person = workspace.caseload.open_person(workspace.caseload.rows()[0].person_id)
    return person, workspace.plans.current(person.id)


def test_a_copy_not_synced_for_more_than_a_day_may_be_out_of_date(workspace) -> None:
    person, plan = _plan_and_person(workspace)
    fresh = plan_html(person, plan, [], PlanContext(NOW, NOW - timedelta(hours=23), version=2))
    old = plan_html(person, plan, [], PlanContext(NOW, NOW - timedelta(hours=25), version=2))
    never = plan_html(person, plan, [], PlanContext(NOW, None, version=2))
    assert "version 2" in fresh and "may be out of date" not in fresh
    assert "may be out of date" in old
    assert "never synced on this laptop" in never and "may be out of date" in never


def test_whether_the_plan_was_written_with_the_person_is_always_said(workspace) -> None:
    person, plan = _plan_and_person(workspace)
    context = PlanContext(NOW, NOW)
    assert "(co-produced)" in plan_html(person, replace(plan, co_produced=True), [], context)
    assert "(not written with the person)" in plan_html(person, replace(plan, co_produced=False), [], context)
