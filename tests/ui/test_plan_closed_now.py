"""At 02:00 a person's plan listed the team's duty number first with no word that it was closed (a new user's
overnight review, finding 2). Each line whose hours are known says "closed now — opens …", and the open routes
are gathered above the step, while the plan keeps the person's own order."""

from __future__ import annotations

from datetime import UTC, datetime

from app.safety_plans import Step
from ui.plan_view import PlanContext, PlanView

NIGHT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday, 02:00 in London
DAY = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)


def _eastmoor_person_with_a_plan(workspace):
    for row in workspace.caseload.rows():
        person = workspace.caseload.person(row.person_id)
        plan = workspace.plans.current(person.id)
        if person.area == "eastmoor" and plan is not None and plan.section(Step.PROFESSIONALS).items:
            return person, plan
    raise AssertionError("the demo has an Eastmoor person with a plan")


def _shown(qtbot, workspace, at: datetime) -> str:
    person, plan = _eastmoor_person_with_a_plan(workspace)
    directory = workspace.config.directory
    context = PlanContext(at, at, directory.national_lines(person.nation, at), 1, {}, directory)
    view = PlanView()
    qtbot.addWidget(view)
    view.show_person(person, plan, [], context)
    return view.toPlainText()


def test_at_night_the_closed_duty_line_says_so_and_the_open_routes_are_found_first(qtbot, workspace) -> None:
    text = _shown(qtbot, workspace, NIGHT)
    step = text[text.index("Step 5.") : text.index("Step 6.")]
    duty = next(line for line in step.splitlines() if "Eastmoor team duty worker" in line)
    assert "(closed now — opens Wed 09:00)" in duty
    open_now = next(line for line in step.splitlines() if line.startswith("Open now:"))
    assert "Moorland crisis team 01632 960200" in open_now and "Samaritans" in open_now
    assert "Eastmoor team duty worker" not in open_now
    # The person's own order is kept: their team first, as they wrote it.
    assert step.index("Eastmoor team duty worker —") < step.index("Moorland crisis team —")
    assert step.index("Open now:") < step.index("Eastmoor team duty worker —")


def test_in_team_hours_nothing_is_said_closed_and_no_extra_line_is_added(qtbot, workspace) -> None:
    text = _shown(qtbot, workspace, DAY)
    step = text[text.index("Step 5.") : text.index("Step 6.")]
    duty = next(line for line in step.splitlines() if "Eastmoor team duty worker" in line)
    assert "closed now" not in duty


def test_a_plan_left_open_across_five_oclock_says_the_day_line_is_closed_within_a_minute(
    qtbot, workspace, clock, pool, tmp_path
) -> None:
    """Found on review: "closed now" was worked out when the plan was drawn, so a plan opened at 16:55 and read
    at 17:30 still offered the team's daytime line with no word, while the status bar said out of hours."""
    from ui.main_window import MainWindow

    clock.set(datetime(2026, 12, 2, 16, 55, tzinfo=UTC))  # Wednesday, in team hours
    window = MainWindow(workspace, pool, settings_path=tmp_path / "window.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=20_000)
    person, _ = _eastmoor_person_with_a_plan(workspace)
    window.open_person(person.id)
    view = window.person_panel.plan_view
    assert "closed now" not in view.toPlainText()
    place = view.verticalScrollBar().value()
    clock.set(datetime(2026, 12, 2, 17, 30, tzinfo=UTC))
    window._period_timer.timeout.emit()  # the minute's tick, as the clock would fire it
    assert "closed now — opens Thu 09:00" in view.toPlainText()
    assert view.verticalScrollBar().value() == place, "the worker's place in the plan is kept"
