"""Escape on an escalation window with something typed for the step asks before it goes (nothing typed vanishes
unannounced); with nothing typed it just closes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.escalations import EscalationDraft
from tests.conftest import NOW


def _window(qtbot, window, workspace):
    name = window.model.row_at(0).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    person = window.person_panel.person
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    esc_window = window.person_panel.open_escalation(escalation)
    esc_window.activateWindow()
    qtbot.waitUntil(esc_window.isActiveWindow)
    return esc_window


def test_escape_with_typing_asks_and_cancel_keeps_every_word(qtbot, window, workspace, monkeypatch) -> None:
    esc_window = _window(qtbot, window, workspace)
    esc_window.who.setText("Jo, duty manager")
    asked: list[str] = []

    def answer(choice):
        def ask(_parent, title, *_a, **_k):
            asked.append(title)
            return choice

        return ask

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    qtbot.keyClick(esc_window, Qt.Key.Key_Escape)
    assert asked == ["Discard what you typed?"]
    assert esc_window.isVisible() and esc_window.who.text() == "Jo, duty manager"
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Discard))
    qtbot.keyClick(esc_window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not esc_window.isVisible())


def test_escape_with_nothing_typed_just_closes(qtbot, window, workspace, monkeypatch) -> None:
    esc_window = _window(qtbot, window, workspace)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (_ for _ in ()).throw(AssertionError("asked")))
    qtbot.keyClick(esc_window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not esc_window.isVisible())
