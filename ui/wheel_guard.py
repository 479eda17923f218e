"""The mouse wheel scrolls the page, never a value the worker did not choose to change.

Without this, scrolling a form with the wheel changes every combo box, spin box and date/time edit the
pointer passes over (an escalation's "What you did" went from "Phoned" to "Done"). Installed once on the
application at startup: such a field takes the wheel only while it has keyboard focus; otherwise the wheel
goes to what holds it (the scroll area scrolls), and the wheel never gives it focus either.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

# Every spin box, date, time and date/time edit is a QAbstractSpinBox.
GUARDED: tuple[type[QWidget], ...] = (QComboBox, QAbstractSpinBox)


class WheelNeedsFocus(QObject):
    """Application event filter: a wheel over an unfocused value field goes to the page instead."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, GUARDED):
            # Qt gives spin boxes (and some styles' combo boxes) focus on a wheel: only a click or Tab does.
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or not isinstance(watched, GUARDED) or not isinstance(event, QWheelEvent):
            return False
        if watched.hasFocus():
            return False  # the worker chose this field: the wheel changes it
        _pass_to_page(watched, event)
        return True


def _pass_to_page(widget: QWidget, event: QWheelEvent) -> None:
    """Offer the wheel to the field's parents in turn, as Qt does with a wheel nobody took."""
    position = event.position()
    parent = widget.parentWidget()
    while parent is not None and not widget.isWindow():
        position = widget.mapToParent(position)
        forwarded = QWheelEvent(
            position,
            event.globalPosition(),
            event.pixelDelta(),
            event.angleDelta(),
            event.buttons(),
            event.modifiers(),
            event.phase(),
            event.inverted(),
            event.source(),
        )
        forwarded.setAccepted(True)  # as Qt delivers it: a widget that does not want it ignores it
        QApplication.sendEvent(parent, forwarded)
        if forwarded.isAccepted():
            break
        widget, parent = parent, parent.parentWidget()
    event.accept()  # taken here: Qt does not offer it to the parents a second time


_installed: list[WheelNeedsFocus] = []


def install_wheel_guard(app: QCoreApplication) -> WheelNeedsFocus:
    """Once per application (later calls return the filter already installed)."""
    for guard in _installed:
        if guard.parent() is app:
            return guard
    guard = WheelNeedsFocus(app)
    app.installEventFilter(guard)
    _installed.append(guard)
    return guard
