"""Long work off the UI thread; results come back on it as signals."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Outcome(QObject):
    succeeded = Signal(object)
    failed = Signal(Exception)


class Task(QRunnable):
    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the caller keeps the task (and its signals) alive until it reports
        self.outcome = _Outcome()  # created on the UI thread, so its signals are delivered there
        self._work = work

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # shown to the user by whoever listens to `failed`
            self._report(self.outcome.failed, exc)
        else:
            self._report(self.outcome.succeeded, result)

    @staticmethod
    def _report(signal: Any, value: object) -> None:
        # RuntimeError from emit means the window that asked was closed (or the app is quitting) while the work
        # ran: nobody is left to tell, and the work itself is done.
        with contextlib.suppress(RuntimeError):
            signal.emit(value)


def serial_pool(parent: QObject) -> QThreadPool:
    """One store task at a time: SQLite has a single writer, and order keeps saves predictable."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    return pool
