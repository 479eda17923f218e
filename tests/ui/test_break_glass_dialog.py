"""The duty worker's break-glass dialog: NHS number and reason checked before anything is asked of the
server, the asking done off the UI thread, a refusal said in words with everything typed kept."""

from __future__ import annotations

import threading
import uuid

from PySide6.QtCore import Qt

from ui.break_glass_dialog import BreakGlassDialog

REASON = "Police called the duty line about a welfare concern at the address."


def _dialog(qtbot, pool, opener) -> BreakGlassDialog:
    dialog = BreakGlassDialog(opener, pool)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_bad_number_or_a_short_reason_asks_nothing_of_the_server(qtbot, pool) -> None:
    asked: list[tuple[str, str]] = []
    dialog = _dialog(qtbot, pool, lambda n, r: asked.append((n, r)) or (uuid.uuid4(), "02:10"))
    dialog.nhs.setText("943 476 5918")
    dialog.reason.setPlainText(REASON)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert "check digit" in dialog.problem.text() and asked == []
    dialog.nhs.setText("943 476 5919")
    dialog.reason.setPlainText("urgent")
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert "at least 20 characters" in dialog.problem.text() and asked == []
    assert dialog.isVisible() and dialog.nhs.text() == "943 476 5919"


def test_opening_runs_off_the_ui_thread_and_names_the_person_opened(qtbot, pool) -> None:
    person = uuid.uuid4()
    threads: list[bool] = []

    def opener(number: str, reason: str) -> tuple[uuid.UUID, str]:
        threads.append(threading.current_thread() is threading.main_thread())
        assert (number, reason) == ("943 476 5919", REASON)
        return person, "04:10"

    dialog = _dialog(qtbot, pool, opener)
    dialog.nhs.setText("943 476 5919")
    dialog.reason.setPlainText(REASON)
    with qtbot.waitSignal(dialog.opened, timeout=5000) as opened:
        qtbot.keyClick(dialog.open_button, Qt.Key.Key_Space)
    assert opened.args == [person, "04:10"] and threads == [False]
    assert not dialog.isVisible()


def test_a_refusal_is_said_and_everything_typed_is_kept(qtbot, pool) -> None:
    def opener(number: str, reason: str) -> tuple[uuid.UUID, str]:
        raise RuntimeError("Nobody with that NHS number is held by your organisation's Waymark.")

    dialog = _dialog(qtbot, pool, opener)
    dialog.nhs.setText("943 476 5919")
    dialog.reason.setPlainText(REASON)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Nobody with that NHS number" in dialog.problem.text(), timeout=5000)
    assert "Nothing you typed was lost" in dialog.problem.text()
    assert dialog.isVisible() and dialog.open_button.isEnabled()
    assert (dialog.nhs.text(), dialog.reason.toPlainText()) == ("943 476 5919", REASON)
