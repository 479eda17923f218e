"""It fits a 1366×768 laptop (issue 11, item 19): windows open within the screen, remember their place per
screen, and lay out without clipping from 1280×720 up."""

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QScrollArea,
    QTabBar,
    QWidget,
)

from app.escalations import EscalationDraft
from tests.conftest import NOW, PASSPHRASE
from tests.ui.saves import wait_saved
from ui.caseload_model import Column
from ui.escalation_window import EscalationWindow
from ui.main_window import PREFERRED_SIZE, MainWindow
from ui.window_fit import FRAME, fitted

TASKBAR = 32
SIZES = [pytest.param(1280, 720, id="1280x720"), pytest.param(1366, 768, id="1366x768")]
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractScrollArea, QTabBar)


def _scrolls_into_view(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QScrollArea) and parent.widget() is not None and parent.widget().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def _is_part_of_a_control(widget: QWidget, window: QWidget) -> bool:
    """A table's header, a line edit's clear button, a tab bar's scroll arrows: checked with their owner."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, CONTROLS) and not isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _problems(window: QWidget) -> list[str]:
    """Controls outside the window (and not in a scroll area) or squeezed below their minimum size."""
    found = []
    for widget in window.findChildren(QWidget):
        if widget.window() is not window or not widget.isVisibleTo(window) or not isinstance(widget, CONTROLS):
            continue
        if _scrolls_into_view(widget, window) or _is_part_of_a_control(widget, window):
            continue
        name = widget.accessibleName() or getattr(widget, "text", lambda: "")() or type(widget).__name__
        rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if not window.rect().contains(rect):
            found.append(f"{name!r} at {rect.getRect()} is outside {window.rect().getRect()}")
        hint = widget.minimumSizeHint()
        # A pixel or two under the hint is the style's rounding, not clipping.
        if widget.width() < hint.width() - 2 or widget.height() < hint.height() - 2:
            found.append(
                f"{name!r} squeezed to {widget.width()}x{widget.height()} (needs {hint.width()}x{hint.height()})"
            )
    return found


def _place(window: QWidget, preferred: QSize, width: int, height: int, qtbot) -> None:
    room = QRect(0, 0, width, height - TASKBAR)
    target = fitted(preferred, window.minimumSizeHint(), room)
    window.setGeometry(target)
    qtbot.wait(50)
    assert window.width() + FRAME.width() <= width and window.height() + FRAME.height() <= height - TASKBAR
    assert window.size() == target.size(), "the window cannot be made that small: its layout needs more"


def _person_with_missed_contacts(qtbot, window):
    row = next(i for i in range(window.model.rowCount()) if window.model.row_at(i).open_episodes)
    window.search_box.setText(window.model.row_at(row).preferred_name)
    window.search_box.returnPressed.emit()
    return window.person_panel.person


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_main_window_and_person_view_lay_out_without_clipping(qtbot, window, width, height) -> None:
    _person_with_missed_contacts(qtbot, window)
    assert window.person_panel.banner.isVisibleTo(window)
    _place(window, PREFERRED_SIZE, width, height, qtbot)
    assert _problems(window) == []
    assert window.statusBar().geometry().bottom() <= window.height()
    header = window.table.horizontalHeader()
    last = header.sectionViewportPosition(Column.ESCALATIONS) + header.sectionSize(Column.ESCALATIONS)
    assert last <= window.table.viewport().width(), "every caseload column in view"
    window.contacts_dock.show()
    qtbot.wait(50)
    assert _problems(window) == []


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_escalation_window_lays_out_without_clipping(qtbot, window, workspace, width, height) -> None:
    person = _person_with_missed_contacts(qtbot, window)
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    esc_window = window.person_panel.open_escalation(escalation)
    assert isinstance(esc_window, EscalationWindow)
    _place(esc_window, QSize(1180, 800), width, height, qtbot)
    assert _problems(esc_window) == []
    esc_window.answer("No")  # the action form, with "What you did" and "Time"
    wait_saved(qtbot, esc_window)
    qtbot.wait(50)
    assert esc_window.action_box.isVisibleTo(esc_window)
    assert _problems(esc_window) == []
    assert esc_window.actions_view.isVisibleTo(esc_window) and esc_window.actions_view.height() >= 60


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_dialog_fits(qtbot, window, workspace, width, height) -> None:
    from PySide6.QtCore import QUrl

    person = _person_with_missed_contacts(qtbot, window)
    panel = window.person_panel
    panel.record_note()
    panel.record_review()
    panel.escalate()
    note = next(n for n in workspace.notes.timeline(person.id) if n.signed)
    panel.notes_view.anchorClicked.emit(QUrl(f"amend:{note.id}"))
    panel.plan_contact()
    panel.increase_contact()
    upcoming = workspace.planned.for_person(person.id).upcoming
    panel.reschedule_contact(upcoming[0])
    panel.cancel_contact(upcoming[0])
    for dialog in panel.dialogs:
        _place(dialog, dialog.size(), width, height, qtbot)
        assert _problems(dialog) == [], dialog.windowTitle()


def test_windows_open_within_the_available_screen(qtbot, window, workspace) -> None:
    available = QGuiApplication.primaryScreen().availableGeometry()
    assert available.contains(window.geometry())
    person = _person_with_missed_contacts(qtbot, window)
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    esc_window = window.person_panel.open_escalation(escalation)
    assert available.contains(esc_window.geometry())


def test_a_saved_place_is_per_screen_and_never_off_it(qtbot, workspace, pool, tmp_path) -> None:
    from app.workspace import Workspace

    settings_path = tmp_path / "w.ini"
    first = MainWindow(workspace, pool, settings_path=settings_path)
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 500)
    with qtbot.waitSignal(first.store_closed, timeout=60_000):  # a loaded CI machine closes slowly
        first.close()
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    keys = [k for k in settings.allKeys() if k.startswith("main_window/")]
    screen = QGuiApplication.primaryScreen()
    assert keys == [f"main_window/{screen.name() or 'screen'}-{screen.size().width()}x{screen.size().height()}"]
    # A place saved on a bigger screen (or a monitor since unplugged) is not used off screen.
    giant = MainWindow(Workspace.open(workspace.store.data_dir, PASSPHRASE), pool, settings_path=settings_path)
    qtbot.addWidget(giant)
    giant.setGeometry(QRect(3000, 2000, 2500, 1400))
    settings.setValue(keys[0], giant.saveGeometry())
    settings.sync()
    with qtbot.waitSignal(giant.store_closed, timeout=60_000):
        giant.close()
    again = MainWindow(Workspace.open(workspace.store.data_dir, PASSPHRASE), pool, settings_path=settings_path)
    qtbot.addWidget(again)
    assert screen.availableGeometry().contains(again.geometry())
    again.close()
