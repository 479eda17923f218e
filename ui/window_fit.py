"""Windows open within the screen they are on, and remember their place per screen.

A 1366×768 laptop with a taskbar leaves about 1366×728 for a window and its title bar: a window sized for
a desktop monitor would put its status bar or its last rows off screen, where nobody can reach them.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

# The window manager's title bar and borders, outside the size a widget is given.
FRAME = QSize(16, 40)


def _screen(window: QWidget) -> QScreen:
    return window.screen() or QGuiApplication.primaryScreen()


def fitted(preferred: QSize, minimum: QSize, available: QRect) -> QRect:
    """Where a window wanting ``preferred`` goes on ``available``: as large as wanted but never past the
    screen (nor below ``minimum``), centred."""
    room = available.size() - FRAME
    size = preferred.boundedTo(room).expandedTo(minimum)
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    return rect


def fit_to_screen(window: QWidget, preferred: QSize) -> None:
    window.setGeometry(fitted(preferred, window.minimumSizeHint(), _screen(window).availableGeometry()))


def screen_key(window: QWidget) -> str:
    """Which screen a saved place belongs to: its name and size (a laptop on and off its dock differs)."""
    screen = _screen(window)
    size = screen.size()
    return f"{screen.name() or 'screen'}-{size.width()}x{size.height()}"


def save_place(window: QWidget, settings: QSettings, name: str) -> None:
    settings.setValue(f"{name}/{screen_key(window)}", window.saveGeometry())


def restore_place(window: QWidget, settings: QSettings, name: str, preferred: QSize) -> None:
    """The place saved for this screen, if it still fits; otherwise the preferred size fitted to it."""
    saved = settings.value(f"{name}/{screen_key(window)}")
    available = _screen(window).availableGeometry()
    if isinstance(saved, QByteArray) and window.restoreGeometry(saved) and available.contains(window.geometry()):
        return
    fit_to_screen(window, preferred)
