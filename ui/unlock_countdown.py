"""The wait after failed unlocks, counted down before the next attempt ("You can try again in 12 s")."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal


class UnlockCountdown(QObject):
    ticked = Signal(str)  # what to tell the worker now
    finished = Signal()  # the next attempt may be made

    def __init__(self, seconds_left: Callable[[], float], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._seconds_left = seconds_left
        self._timer = QTimer(self, interval=250)
        self._timer.timeout.connect(self._tick)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> bool:
        """Start counting if a wait is due; False when the next attempt may be made now."""
        if self._seconds_left() <= 0:
            return False
        self._tick()
        self._timer.start()
        return True

    def _tick(self) -> None:
        left = self._seconds_left()
        if left <= 0:
            self._timer.stop()
            self.finished.emit()
            return
        self.ticked.emit(
            f"That passphrase did not unlock Waymark. After several tries each attempt waits a little longer: "
            f"you can try again in {math.ceil(left)} s. Nothing has been changed or deleted."
        )
