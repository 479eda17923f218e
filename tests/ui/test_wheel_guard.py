"""The mouse wheel scrolls the page and never changes a combo box, spin box or date/time edit the worker is
not in (a new user's review: scrolling the escalation form turned "Phoned" into "Done")."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.escalations import ActionKind, EscalationDraft
from tests.conftest import NOW
from tests.ui.saves import wait_saved
from ui.escalation_window import EscalationWindow
from ui.wheel_guard import install_wheel_guard


def _wheel_down(widget: QWidget) -> None:
    """One notch of the wheel turned towards the worker, with the pointer over the middle of ``widget``."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def _focus(qtbot, widget: QWidget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


class _Page(QScrollArea):
    """A form taller than its window, as the escalation window is on a laptop."""

    def __init__(self) -> None:
        super().__init__()
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.combo = QComboBox()
        self.combo.addItems(["Phoned", "Visited", "Done"])
        self.spin = QSpinBox()
        self.spin.setValue(5)
        self.when = QDateTimeEdit(QDateTime(2026, 12, 2, 10, 0, 0))
        self.other = QComboBox()  # somewhere for the focus to be that is not the field under the pointer
        self.other.addItems(["a", "b"])
        for widget in (self.other, self.combo, self.spin, self.when):
            layout.addWidget(widget)
        layout.addSpacing(2000)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.resize(300, 200)


def test_the_wheel_over_an_unfocused_field_scrolls_the_page_and_changes_nothing(qtbot, qapp) -> None:
    install_wheel_guard(qapp)
    page = _Page()
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    _focus(qtbot, page.other)
    for field, value in ((page.combo, page.combo.currentIndex), (page.spin, page.spin.value),
                         (page.when, page.when.dateTime)):  # fmt: skip
        before, scrolled = value(), page.verticalScrollBar().value()
        _wheel_down(field)
        assert value() == before, f"the wheel changed {type(field).__name__}"
        assert page.verticalScrollBar().value() > scrolled, "the wheel scrolls the page instead"
        assert not field.hasFocus(), "the wheel does not give the field focus"


def test_the_wheel_changes_a_field_that_has_keyboard_focus(qtbot, qapp) -> None:
    install_wheel_guard(qapp)
    page = _Page()
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    _focus(qtbot, page.combo)
    _wheel_down(page.combo)
    assert page.combo.currentText() == "Visited"
    assert page.verticalScrollBar().value() == 0
    _focus(qtbot, page.spin)
    _wheel_down(page.spin)
    assert page.spin.value() == 4


def test_installed_once(qapp) -> None:
    assert install_wheel_guard(qapp) is install_wheel_guard(qapp)


def test_scrolling_the_escalation_form_leaves_what_you_did_as_it_was(qtbot, window, workspace) -> None:
    """The review's case, in the app as started: the main window installs the guard."""
    row = next(i for i in range(window.model.rowCount()) if window.model.row_at(i).open_episodes)
    window.search_box.setText(window.model.row_at(row).preferred_name)
    window.search_box.returnPressed.emit()
    person = window.person_panel.person
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    esc_window = window.person_panel.open_escalation(escalation)
    assert isinstance(esc_window, EscalationWindow)
    qtbot.waitExposed(esc_window)
    esc_window.answer("No")  # to an action step: the form shows, "What you did" is "Phoned"
    wait_saved(qtbot, esc_window)
    assert ActionKind(esc_window.kind.currentData()) is ActionKind.PHONED
    _focus(qtbot, esc_window.who)
    _wheel_down(esc_window.kind)
    _wheel_down(esc_window.at)
    assert ActionKind(esc_window.kind.currentData()) is ActionKind.PHONED
    assert not esc_window._at_edited, "the time of action was not touched"
