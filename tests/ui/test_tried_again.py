"""A busy line is normal: "not reached" is tried again at the same step, each attempt timed, and the
pathway's route for nobody reached is taken only when the worker says so (issue 11, item 10)."""

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from app.escalations import ActionKind, EscalationDraft
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
    # Moving on with the form untouched is the decision alone: no third call is invented at 14:12.
    tries = [a.at for a in stored.actions if a.node_id == "crisis-team" and a.kind is ActionKind.PHONED]
    assert tries == [BOXING_DAY + timedelta(minutes=m) for m in (5, 9)]
    assert any("14:12 moved on: nobody reached" in line for line in esc_window.steps_model.stringList())
    model = esc_window.actions_model
    last = [model.index(model.rowCount() - 1, c).data() for c in range(model.columnCount())]
    assert last[2:4] == [
        "Moved on: nobody reached at this step",
        "tried: Moorland crisis resolution and home treatment team",
    ]


def test_moving_on_with_the_form_filled_in_records_that_attempt_then_the_decision(
    qtbot, window, workspace, clock
) -> None:
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
    clock.set(BOXING_DAY + timedelta(minutes=4))
    esc_window.outcome.setText("Engaged tone")  # typed: a call was made, and must not vanish
    esc_window.move_on_button.click()
    wait_saved(qtbot, esc_window)
    stored = workspace.escalations.get(escalation.id)
    attempt, decision = stored.actions[-2:]
    assert (attempt.kind, attempt.contact_id, attempt.outcome) == (
        ActionKind.PHONED,
        "moorland-crisis-team",
        "Engaged tone",
    )
    assert (decision.kind, decision.contact_id) == (ActionKind.ANSWER, None)
    assert stored.walk.current.id == "tell-on-call"
