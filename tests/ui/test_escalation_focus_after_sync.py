"""When a sync moves an open escalation on from an action step to a question (clinical safety review, finding
5), the keyboard is not thrown to a field the worker did not choose: from the action form, now hidden, it goes
to the question's first answer; anywhere else, it stays where the worker is."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QPushButton

from app.escalations import ActionKind
from tests.ui.test_escalation_refresh_from_sync import _arrives, _open, remote_action


def _at_the_duty_worker_step(qtbot, workspace, pool, tmp_path):
    win, server, window = _open(qtbot, workspace, pool, tmp_path)
    assert window.escalation.walk.current.id == "danger"
    window.answer("No")  # no immediate danger: phone the duty worker
    qtbot.waitUntil(lambda: not window.saving.active and window.escalation.walk.current.id == "duty-worker")
    assert window.action_box.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return win, server, window


def _duty_worker_reached_elsewhere(qtbot, win, server, window, workspace) -> None:
    esc = window.escalation
    contact = next(d for d in (window.contact.itemData(i) for i in range(window.contact.count())) if d)
    reached = {"kind": ActionKind.PHONED.value, "contact_id": contact, "contact_reached": "Duty worker Sam"}
    _arrives(server, remote_action(workspace, esc.id, esc.person_id, node_id="duty-worker", reached=True, **reached))
    win.sync_now()
    qtbot.waitUntil(lambda: window.escalation.walk.current.id == "crisis-needed", timeout=10_000)
    qtbot.wait(50)  # anything Qt does with the focus once the form is hidden happens by now


def test_from_the_hidden_action_form_the_keyboard_goes_to_the_questions_first_answer(
    qtbot, workspace, pool, tmp_path
) -> None:
    win, server, window = _at_the_duty_worker_step(qtbot, workspace, pool, tmp_path)
    window.who.setFocus()
    qtbot.keyClicks(window.who, "Duty wor")
    assert QApplication.focusWidget() is window.who
    _duty_worker_reached_elsewhere(qtbot, win, server, window, workspace)
    assert not window.action_box.isVisible()
    focus = QApplication.focusWidget()
    assert focus is not window.follow_due, "not the follow-up's Due field"
    assert isinstance(focus, QPushButton) and focus.accessibleName() == "Answer Yes", focus
    assert focus.isVisible() and window.isAncestorOf(focus)


def test_focus_the_worker_put_elsewhere_stays_there(qtbot, workspace, pool, tmp_path) -> None:
    win, server, window = _at_the_duty_worker_step(qtbot, workspace, pool, tmp_path)
    window.close_note.setFocus()
    qtbot.keyClicks(window.close_note, "Seen at home")
    _duty_worker_reached_elsewhere(qtbot, win, server, window, workspace)
    assert QApplication.focusWidget() is window.close_note
    assert window.close_note.text() == "Seen at home"
