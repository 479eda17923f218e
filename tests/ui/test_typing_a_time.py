"""Every date-and-time field a worker types into takes a typed time as typed (review finding, session 6).

With the day name first, Tab put the cursor in the day-name section where digits do nothing: "13:40" typed
into "Contact started" left the default time, and the note was saved with it. Real key events, with focus
arriving by Tab as it does from the keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QDateTimeEdit

from app.escalations import EscalationDraft
from tests.conftest import NOW
from ui.note_dialog import NoteDialog
from ui.planned_contact_dialogs import PlanContactDialog


def _type_time(qtbot, edit: QDateTimeEdit, typed: str) -> QTime:
    edit.window().activateWindow()
    qtbot.waitUntil(edit.window().isActiveWindow)
    edit.setFocus(Qt.FocusReason.TabFocusReason)  # as Tab brings it: the first section is selected
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClicks(edit, typed)
    return edit.dateTime().toLocalTime().time()


def _open_person(qtbot, window) -> None:
    qtbot.keyClicks(window.search_box, window.model.row_at(0).preferred_name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.person_panel.person is not None)


def test_a_note_takes_the_contact_times_as_typed(qtbot, window) -> None:
    _open_person(qtbot, window)
    window.person_panel.record_note()
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    qtbot.waitExposed(dialog)
    assert _type_time(qtbot, dialog.start, "1305") == QTime(13, 5)
    assert _type_time(qtbot, dialog.end, "13:40") == QTime(13, 40)
    dialog.has_due.setChecked(True)  # a next action with a due time
    assert _type_time(qtbot, dialog.next_due, "9:30") == QTime(9, 30)
    dialog._finished = True  # teardown must not stop at a "keep as draft?" question nobody answers


def test_an_escalation_action_and_its_follow_up_take_times_as_typed(qtbot, window, workspace) -> None:
    _open_person(qtbot, window)
    person = window.person_panel.person
    codes = [c.code for c in workspace.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    esc_window = window.person_panel.open_escalation(escalation)
    qtbot.waitExposed(esc_window)
    assert _type_time(qtbot, esc_window.at, "1410") == QTime(14, 10)
    assert _type_time(qtbot, esc_window.follow_due, "10:00") == QTime(10, 0)


def test_a_planned_contact_takes_its_time_as_typed(qtbot, window) -> None:
    _open_person(qtbot, window)
    dialog = window.person_panel.plan_contact()
    assert isinstance(dialog, PlanContactDialog)
    qtbot.waitExposed(dialog)
    assert _type_time(qtbot, dialog.when, "1130") == QTime(11, 30)
    dialog._finished = True
