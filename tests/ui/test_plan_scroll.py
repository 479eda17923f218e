"""Opening another person shows their plan from the top, name first (a new user's review: the plan opened
scrolled partway, at the previous person's place); a redraw of the same person keeps the worker's place."""

from PySide6.QtCore import Qt

from app.changes import Changed, OpChanges


def _open(qtbot, window, row: int):
    window.search_box.clear()
    qtbot.keyClicks(window.search_box, window.model.row_at(row).preferred_name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def _scroll_down(qtbot, view) -> int:
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 200)
    bar.setValue(bar.maximum() // 2)
    return bar.value()


def _name_in_view(view, name: str) -> bool:
    cursor = view.document().find(name)
    return not cursor.isNull() and view.viewport().rect().contains(view.cursorRect(cursor))


def test_opening_another_person_shows_their_plan_from_the_top(qtbot, window) -> None:
    window.resize(1366, 700)
    plan_view = window.plan_view
    _open(qtbot, window, 0)
    assert _scroll_down(qtbot, plan_view) > 0
    notes_view = window.person_panel.notes_view
    notes_view.verticalScrollBar().setValue(notes_view.verticalScrollBar().maximum())
    second = _open(qtbot, window, 1)
    assert plan_view.verticalScrollBar().value() == 0
    assert notes_view.verticalScrollBar().value() == 0
    assert _name_in_view(plan_view, second.preferred_name), "the person's name is on screen"


def test_a_change_to_the_same_person_keeps_the_place(qtbot, window) -> None:
    window.resize(1366, 700)
    plan_view = window.plan_view
    person = _open(qtbot, window, 0)
    at = _scroll_down(qtbot, plan_view)
    window.person_panel.on_changes(OpChanges(Changed.PLAN | Changed.NOTES, frozenset({person.id})))
    assert plan_view.verticalScrollBar().value() == at
