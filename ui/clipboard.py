"""Copying a number for a moment: it leaves the clipboard after 10 seconds, unless something else has
replaced it since (then the other text is left alone). A CopyFeedback label beside the copy control says
it worked, in words a screen reader also announces."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

CLEAR_AFTER_MS = 10_000


class CopyFeedback(QLabel):
    """Says "Copied — clears in 10 s" after a copy, and goes quiet once the clipboard was cleared."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("copy_feedback")
        self.setAccessibleName("Copy result")
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._clear)

    def show_copied(self, text: str, clear_after_ms: int) -> None:
        seconds = max(1, round(clear_after_ms / 1000))
        message = f"Copied {text} — clears in {seconds} s"
        self.setText(message)
        # Screen readers announce the description of a label whose text changes.
        self.setAccessibleDescription(message)
        self._timer.start(clear_after_ms)

    def _clear(self) -> None:
        self.setText("")
        self.setAccessibleDescription("")


def copy_briefly(text: str, clear_after_ms: int = CLEAR_AFTER_MS, feedback: CopyFeedback | None = None) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText(text)

    def clear() -> None:
        if clipboard.text() == text:
            clipboard.clear()

    QTimer.singleShot(clear_after_ms, clear)
    if feedback is not None:
        feedback.show_copied(text, clear_after_ms)
