"""Answer the next real message box as a worker would: by its button's words, or a key."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox


class NextBox:
    """Waits (on the event loop the box's exec() runs) for a message box, notes what it says, then answers.

    ``click``: the words on the button to press (without its "&"); otherwise ``key`` is pressed on it."""

    def __init__(self, *, click: str | None = None, key: Qt.Key = Qt.Key.Key_Return) -> None:
        self.click, self.key = click, key
        self.title = self.text = ""
        self.buttons: list[str] = []
        self.default = ""
        self.shown = False
        self._timer = QTimer(interval=20)
        self._timer.timeout.connect(self._look)
        self._timer.start()

    def _look(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            return
        self._timer.stop()
        self.shown = True
        self.title, self.text = box.windowTitle(), box.text()
        self.buttons = [b.text().replace("&", "") for b in box.buttons()]
        default = box.defaultButton()
        self.default = default.text().replace("&", "") if default is not None else ""
        if self.click is not None:
            next(b for b in box.buttons() if b.text().replace("&", "") == self.click).click()
        else:
            QTest.keyClick(box, self.key)

    def stop(self, *_: Any) -> None:
        self._timer.stop()
