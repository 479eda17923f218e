"""A busy line is normal: "not reached" is tried again at the same step, each attempt timed, and the
pathway's route for nobody reached is taken only when the worker says so (issue 11, item 10)."""

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from app.escalations import EscalationDraft
from tests.ui.saves import wait_saved

BOXING_DAY = datetime(2026, 12, 28, 14, 0, tzinfo=UTC)


def test_not_reached_stays_at_the_step_until_the_worker_moves_on(qtbot, window, workspace, clock) -> None:
    clock.set(BOXING_DAY)
    name = window.model.row_at(0).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    person = window.person_panel.person
    escalation, _ = workspace.escalations.start(
        EscalationDraft(person.id, ["sudden-deterioration"], "Not eating, not answering the door", BOXING_DAY)
    )
    esc_window = window.person_panel.open_escalation(escalation)
    esc_window.answer("No")
    wait_saved(qtbot, esc_window)
    assert esc_window.escalation.walk.current.id == "crisis-team"
    assert esc_window.move_on_button.isVisibleTo(esc_window)
    for minute in (5, 9):
        clock.set(BOXING_DAY + timedelta(minutes=minute))
        esc_window.record_action()  # "Reached" left unticked: engaged tone
        wait_saved(qtbot, esc_window)
        assert esc_window.escalation.walk.current.id == "crisis-team", "tried again, same step"
    assert any("tried 2×, not reached: 14:05, 14:09" in line for line in esc_window.steps_model.stringList())
    assert "Nobody has been told yet" in esc_window.notice.text()
    clock.set(BOXING_DAY + timedelta(minutes=12))
    esc_window.move_on_button.click()
    wait_saved(qtbot, esc_window)
    stored = workspace.escalations.get(escalation.id)
    assert stored.walk.current.id == "tell-on-call"
    tries = [a.at for a in stored.actions if a.node_id == "crisis-team" and not a.reached]
    assert tries == [BOXING_DAY + timedelta(minutes=m) for m in (5, 9, 12)]
    assert any("not reached, moved on" in line for line in esc_window.steps_model.stringList())
