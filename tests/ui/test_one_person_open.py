"""A note landed on the wrong person (a new user under a real X server, finding 1): with Aisha highlighted in the
list, Alt+O opened Delroy's welfare check, and after Escape Ctrl+N wrote "Contact note — Delroy" while the list
still showed Aisha. With the work-due filter on, a search for Cal came up empty without saying why, and Ctrl+E
escalated for the person still open. The list now follows whoever is opened, by any route; what it hides is said
in words; and the person pane names, large, whose record Ctrl+N, Ctrl+R, Ctrl+E and Ctrl+P act on."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt

from app.unreached import reaching_nobody
from ui.caseload_model import PersonIdRole
from ui.escalation_window import EscalationStartDialog, EscalationWindow
from ui.note_dialog import NoteDialog

CTRL = Qt.KeyboardModifier.ControlModifier


def _active(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _selected(window) -> uuid.UUID | None:
    rows = window.table.selectionModel().selectedRows()
    return rows[0].data(PersonIdRole) if len(rows) == 1 else None


def _row(window, person_id: uuid.UUID):
    return next(r for r in window.model.rows() if r.person_id == person_id)


def _open_by_typing(qtbot, window, full_name: str) -> None:
    window.search_box.setFocus()
    window.search_box.clear()
    qtbot.keyClicks(window.search_box, full_name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)


def test_alt_o_selects_whom_it_opened_so_ctrl_n_after_escape_is_for_the_person_the_list_shows(
    qtbot, window, workspace
) -> None:
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    other = next(r for r in window.model.rows() if r.person_id != item.person_id and not r.has_work_due)
    qtbot.waitUntil(window.unreached_bar.isVisible)
    _active(qtbot, window)
    _open_by_typing(qtbot, window, other.full_name)
    assert _selected(window) == other.person_id and window.person_panel.person.id == other.person_id

    qtbot.keyClick(window.search_box, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: any(isinstance(d, EscalationWindow) for d in window.person_panel.dialogs))
    escalation_window = next(d for d in window.person_panel.dialogs if isinstance(d, EscalationWindow))
    # The search that hid the person Alt+O opened is cleared, and the worker is told why it went.
    assert window.search_box.text() == ""
    assert "Search cleared to show " in window.statusBar().currentMessage()
    assert _selected(window) == item.person_id, "the list shows whom Alt+O opened"
    index = window.table.selectionModel().selectedRows()[0]
    assert window.table.visualRect(index).intersects(window.table.viewport().rect()), "scrolled into view"

    escalation_window.activateWindow()
    qtbot.waitUntil(escalation_window.isActiveWindow)
    qtbot.keyClick(escalation_window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not escalation_window.isVisible())
    _active(qtbot, window)
    window.search_box.setFocus()
    qtbot.keyClick(window.search_box, Qt.Key.Key_N, CTRL)
    (note,) = [d for d in window.person_panel.dialogs if isinstance(d, NoteDialog)]
    assert note._person_id == _selected(window) == item.person_id
    assert _row(window, item.person_id).full_name in window.person_panel.header.text()


def test_a_search_the_work_due_filter_empties_says_so_and_names_who_ctrl_e_is_for(qtbot, window, workspace) -> None:
    due = next(r for r in window.model.rows() if r.has_work_due)
    hidden = next(r for r in window.model.rows() if not r.has_work_due)
    _active(qtbot, window)
    _open_by_typing(qtbot, window, due.full_name)
    assert window.person_panel.person.id == due.person_id
    qtbot.keyClick(window.search_box, Qt.Key.Key_F6)
    assert window.work_due_only.isChecked()

    window.search_box.clear()
    qtbot.keyClicks(window.search_box, hidden.full_name)
    assert window.proxy.rowCount() == 0
    qtbot.waitUntil(window.list_note.isVisible)
    note = window.list_note.text()
    assert "1 person matches but is hidden by the work-due filter (F6 shows everyone)." in note
    # The search no longer shows the open person: the list and the pane both say who is open.
    assert f"{due.preferred_name.split()[0]} " in note and "is open</b> (on the right), but not in this list" in note
    header = window.person_panel.header
    assert header.isVisible() and due.full_name in header.text()

    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    assert window.person_panel.person.id == due.person_id, "Enter on an empty list opens nobody"
    qtbot.keyClick(window.search_box, Qt.Key.Key_E, CTRL)
    (start,) = [d for d in window.person_panel.dialogs if isinstance(d, EscalationStartDialog)]
    assert due.preferred_name in start.windowTitle() and due.full_name in header.text()
    start.done(0)

    qtbot.keyClick(window.search_box, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "hidden by the work-due filter" not in window.list_note.text())
    assert window.proxy.rowCount() >= 1


def test_highlighting_someone_else_in_the_list_says_who_is_open(qtbot, window) -> None:
    _active(qtbot, window)
    first = window.model.rows()[0]
    _open_by_typing(qtbot, window, first.full_name)
    window.search_box.clear()
    qtbot.waitUntil(lambda: _selected(window) == first.person_id)
    assert not window.list_note.isVisible()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert _selected(window) != first.person_id
    qtbot.waitUntil(window.list_note.isVisible)
    assert "is the one open" in window.list_note.text()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.list_note.isVisible())
    assert window.person_panel.person.id == _selected(window)


def test_a_person_opened_before_their_row_arrives_is_selected_when_it_does(qtbot, window, workspace) -> None:
    person_id = window.model.rows()[3].person_id
    window.model.replace_rows([])  # as after a lock, or before a break-glass sync brings the row
    window.open_person(person_id)
    assert _selected(window) is None
    window.reload()
    qtbot.waitUntil(lambda: _selected(window) == person_id)
