"""Notices when the worker has stopped using Waymark: a UI lock after 5 minutes, a full lock after 15."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

UI_LOCK_MS = 5 * 60_000
FULL_LOCK_MS = 15 * 60_000
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Install on the QApplication; any keyboard, mouse or touch input restarts both timers."""

    ui_lock = Signal()
    full_lock = Signal()

    def __init__(self, parent: QObject | None = None, ui_ms: int = UI_LOCK_MS, full_ms: int = FULL_LOCK_MS) -> None:
        super().__init__(parent)
        self._ui = QTimer(self, singleShot=True, interval=ui_ms)
        self._full = QTimer(self, singleShot=True, interval=full_ms)
        self._ui.timeout.connect(self.ui_lock)
        self._full.timeout.connect(self.full_lock)
        self.restart()

    def restart(self) -> None:
        self._ui.start()
        self._full.start()

    def stop_ui_timer(self) -> None:
        """Once the UI is locked, only the full lock is still to come."""
        self._ui.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self._ui.isActive():
            self.restart()
        return False
