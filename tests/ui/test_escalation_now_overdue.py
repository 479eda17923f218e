"""The escalation window's "Now" panel once the step's time has passed: overdue, by how long, in words."""

from datetime import timedelta

from app.escalations import EscalationDraft
from tests.conftest import NOW
from tests.ui.test_journeys import _open


def test_the_now_panel_says_the_step_is_overdue_and_by_how_long(qtbot, window, workspace, clock) -> None:
    person = _open(qtbot, window)
    identified = NOW - timedelta(hours=4, minutes=10)  # the duty worker was due within 60 min of this
    esc, _ = workspace.escalations.start(
        EscalationDraft(person.id, ["sudden-deterioration"], "Not themselves", identified)
    )
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    assert esc.walk.current.id == "duty-worker" and esc.walk.current.within_minutes == 60
    view = window.person_panel.open_escalation(esc)
    due = identified + timedelta(minutes=60)
    step = view.step.text()
    assert f"Overdue by 3 h 10 min — was due by {due.astimezone():%H:%M}" in step
    assert "Within 60 min" not in step

    # The same step while there is still time says how long is left to act in.
    clock.set(identified + timedelta(minutes=20))
    view.refresh(workspace.escalations.get(esc.id))
    assert f"Within 60 min (by {due.astimezone():%H:%M})" in view.step.text()
    assert "Overdue" not in view.step.text()


def test_a_window_left_open_says_overdue_once_the_time_passes_and_keeps_what_was_typed(
    qtbot, window, workspace, clock
) -> None:
    person = _open(qtbot, window)
    esc, _ = workspace.escalations.start(EscalationDraft(person.id, ["sudden-deterioration"], "Not themselves"))
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    view = window.person_panel.open_escalation(esc)
    assert "Within 60 min" in view.step.text()
    view.who.setText("Duty worker, Alex")
    view.outcome.setText("Rang twice")
    clock.set(NOW + timedelta(hours=2))
    assert view.step_timer.isActive() and view.step_timer.interval() <= 60_000
    view.step_timer.timeout.emit()  # the minute's tick
    assert "Overdue by 1 h — was due by" in view.step.text()
    assert view.who.text() == "Duty worker, Alex" and view.outcome.text() == "Rang twice", "nothing typed is lost"
