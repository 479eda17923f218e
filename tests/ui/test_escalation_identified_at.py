"""'Identified at' on the escalation start form, driven by real key events (a review found a typed time came
out as 02:01, and a 12-hour backdate was accepted with no question while the pathway silently became the
out-of-hours one)."""

from datetime import datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.time_bounds import identified_needs_confirming, parse_clock_time
from tests.conftest import NOW
from tests.ui.saves import wait_saved
from tests.ui.test_journeys import _dialog, _open
from ui.escalation_window import EscalationStartDialog, EscalationWindow
from ui.note_dialog import from_qt

TODAY = NOW.astimezone().date()  # Thu 26 Nov 2026, 14:30: in hours


def _start_form(qtbot, window) -> EscalationStartDialog:
    _open(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    start = _dialog(window, EscalationStartDialog)
    qtbot.waitUntil(start.isActiveWindow)
    return start


def _type_time(qtbot, start: EscalationStartDialog, text: str, days_back: int = 0) -> None:
    """Alt+I to the time, type over it; then to the day list and down the days, as a worker would."""
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert start.identified.time.hasFocus()
    qtbot.keyClicks(start.identified.time, text)
    qtbot.keyClick(start.identified.time, Qt.Key.Key_Tab)
    assert start.identified.day.hasFocus()
    for _ in range(days_back):
        qtbot.keyClick(start.identified.day, Qt.Key.Key_Down)


def _fill(qtbot, start: EscalationStartDialog) -> None:
    start.criteria["sudden-deterioration"].setFocus()
    qtbot.keyClick(start.criteria["sudden-deterioration"], Qt.Key.Key_Space)
    qtbot.keyClick(start.criteria["sudden-deterioration"], Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClicks(start.rationale, "Not answering the door, neighbour worried")


@pytest.mark.parametrize(("typed", "expected"), [("13:05", time(13, 5)), ("1305", time(13, 5)),
                                                 ("7:40", time(7, 40)), ("0201", time(2, 1))])  # fmt: skip
def test_typing_a_time_gives_that_time(qtbot, window, typed: str, expected: time) -> None:
    start = _start_form(qtbot, window)
    _type_time(qtbot, start, typed)
    at = from_qt(start.identified.dateTime())
    assert (at.date(), at.time()) == (TODAY, expected)
    assert start.identified.time.text() == f"{expected:%H:%M}", "leaving the field, it reads back as taken"


def test_the_day_is_chosen_from_a_list_and_a_different_period_says_which_pathway_and_why(qtbot, window) -> None:
    start = _start_form(qtbot, window)
    assert "out-of-hours pathway is shown" not in start.route.text()
    _type_time(qtbot, start, "19:40", days_back=1)
    at = from_qt(start.identified.dateTime())
    assert (at.date(), at.time()) == (TODAY - timedelta(days=1), time(19, 40))
    assert start.identified.day.currentText().startswith("Yesterday")
    route = start.route.text()
    assert "Out of hours" in route
    assert (
        f"You said the concern was identified at 19:40 on {at:%a %d %b} — out of hours (outside team hours "
        "(09:00–17:00)) — so the out-of-hours pathway is shown. It is in hours now" in route
    )


def test_a_time_hours_ago_is_confirmed_first_no_keeps_everything_and_yes_starts(qtbot, window, workspace) -> None:
    start = _start_form(qtbot, window)
    person_id = window.person_panel.person.id
    before = len(workspace.escalations.for_person(person_id))
    _fill(qtbot, start)
    _type_time(qtbot, start, "19:40", days_back=1)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: start.confirm_time is not None)  # a mnemonic clicks its button a moment later
    box = start.confirm_time
    assert box is not None and box.isVisible(), "asked, not started"
    text = box.text()
    assert "You said the concern was identified at 19:40 on " in text and "18 h 50 min ago. Is that right?" in text
    assert "so the out-of-hours pathway is shown" in box.informativeText()
    # No (Alt+N): back to the time, nothing typed lost, nothing started.
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow)
    qtbot.keyClick(box, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not box.isVisible())
    qtbot.waitUntil(start.identified.time.hasFocus)  # back in the time, once the dialog is active again
    assert start.isVisible() and start.identified.time.selectedText() == "19:40", "selected, to type over"
    assert start.rationale.toPlainText() == "Not answering the door, neighbour worried"
    assert start.criteria["sudden-deterioration"].isChecked() and start.identified.time.text() == "19:40"
    assert len(workspace.escalations.for_person(person_id)) == before
    # Escape is No as well.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: start.confirm_time is not None)
    box = start.confirm_time
    assert box is not None
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible())
    qtbot.waitUntil(start.identified.time.hasFocus)
    assert start.isVisible() and len(workspace.escalations.for_person(person_id)) == before
    # Yes (Alt+Y): started, at the time typed, on the pathway for that time.
    qtbot.keyClick(start.identified.time, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: start.confirm_time is not None)
    box = start.confirm_time
    assert box is not None
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow)
    qtbot.keyClick(box, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    wait_saved(qtbot, start)
    qtbot.waitUntil(lambda: any(isinstance(d, EscalationWindow) for d in window.person_panel.dialogs))
    (started,) = [e for e in workspace.escalations.for_person(person_id)][before:]
    local = started.identified_at.astimezone()
    assert (local.date(), local.time()) == (TODAY - timedelta(days=1), time(19, 40))
    assert started.pathway.id == "moorland-out-of-hours"


def test_a_time_within_two_hours_starts_without_asking(qtbot, window, workspace) -> None:
    start = _start_form(qtbot, window)
    person_id = window.person_panel.person.id
    _fill(qtbot, start)
    _type_time(qtbot, start, "13:05")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not start.isVisible())
    assert start.confirm_time is None
    qtbot.waitUntil(lambda: any(isinstance(d, EscalationWindow) for d in window.person_panel.dialogs))
    latest = max(workspace.escalations.for_person(person_id), key=lambda e: e.identified_at)
    assert latest.identified_at.astimezone().time() == time(13, 5)


def test_a_time_that_is_not_one_is_said_and_nothing_is_lost(qtbot, window, workspace, monkeypatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: said.append(a[2]))
    start = _start_form(qtbot, window)
    person_id = window.person_panel.person.id
    before = len(workspace.escalations.for_person(person_id))
    _fill(qtbot, start)
    _type_time(qtbot, start, "25:99")
    assert "Type the time as hours and minutes" in start.identified.hint.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(said))
    assert said and "is not a time" in said[0] and "nothing you typed is lost" in said[0]
    assert start.isVisible() and start.identified.time.text() == "25:99"
    assert start.rationale.toPlainText() == "Not answering the door, neighbour worried"
    assert len(workspace.escalations.for_person(person_id)) == before


def test_times_as_workers_type_them() -> None:
    cases = [("19:40", time(19, 40)), ("19.40", time(19, 40)), ("1940", time(19, 40)), ("7:40", time(7, 40)),
             ("740", time(7, 40)), ("7", time(7, 0)), (" 09:05 ", time(9, 5))]  # fmt: skip
    for typed, expected in cases:
        assert parse_clock_time(typed) == expected, typed
    for typed in ("", "abc", "25:00", "19:60", "1:5", "12345"):
        assert parse_clock_time(typed) is None, typed


def test_more_than_two_hours_ago_is_confirmed() -> None:
    now = datetime(2026, 11, 26, 14, 30).astimezone()
    assert not identified_needs_confirming(now - timedelta(hours=2), now)
    assert identified_needs_confirming(now - timedelta(hours=2, minutes=1), now)
    assert identified_needs_confirming(now - timedelta(hours=12), now)
