"""Every control a worker can reach by keyboard has a name a screen reader can say, and every
information shown by colour is also said in words."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from ui.escalation_window import EscalationStartDialog, EscalationWindow
from ui.note_dialog import NoteDialog
from ui.review_dialog import ReviewDialog


def _unnamed(root: QWidget) -> list[str]:
    labelled = {label.buddy() for label in root.findChildren(QLabel) if label.buddy() is not None}
    missing = []
    for widget in root.findChildren(QWidget):
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisibleTo(root):
            continue
        if widget.objectName().startswith("qt_") or type(widget).__name__ in {
            "QScrollBar",
            "QTabBar",
            "QSplitterHandle",
        }:
            continue
        if widget.accessibleName() or widget in labelled:
            continue
        if isinstance(widget, QAbstractButton) and widget.text().replace("&", "").strip():
            continue
        if widget.parent() is not None and getattr(widget.parent(), "accessibleName", lambda: "")():
            continue  # the inner editor of a named combo box or spin box
        missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def _open(qtbot, window):
    qtbot.keyClicks(window.search_box, window.model.row_at(0).preferred_name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def test_main_window_controls_are_named(qtbot, window) -> None:
    _open(qtbot, window)
    assert _unnamed(window) == []


def test_dialog_controls_are_named(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    for dialog in (
        NoteDialog(workspace, person.id, "x", ops=window.ops),
        ReviewDialog(workspace, person.id, "x", ops=window.ops),
        EscalationStartDialog(workspace, person.id, "x", ops=window.ops),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        assert _unnamed(dialog) == [], type(dialog).__name__


def test_escalation_window_controls_are_named_and_state_is_in_words(qtbot, window, workspace) -> None:
    from app.escalations import EscalationDraft

    person = _open(qtbot, window)
    esc, _ = workspace.escalations.start(EscalationDraft(person.id, ["sudden-deterioration"], "Changed a lot"))
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    view = EscalationWindow(workspace, esc, "x", ops=window.ops)
    qtbot.addWidget(view)
    view.show()
    assert _unnamed(view) == []
    texts = [i.toPlainText() for i in view.flowchart.scene().items() if hasattr(i, "toPlainText")]
    assert any(t.startswith("NOW ▶") for t in texts), "the current step is marked in words, not only colour"
    assert any(t.startswith("✓ Question") for t in texts), "steps done are ticked"
