"""The main window's status bar, laid out so nothing in it overlaps or is cut off mid-word.

Qt paints a status message (``showMessage``) into whatever room the permanent widgets leave, clipped and
with no gap: at 1366 px "Offline: working from the copy on this laptop" ran into "Now: In hours…" as
"Offline: working fNow: In hours". Here the message is a label of its own in the bar's layout, and every
text in the bar gives way by eliding ("…") with its full text kept as tooltip and accessible description.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

# However narrow the window, each text keeps this many characters' room before it is elided away.
MIN_CHARS = 14


class ElidedLabel(QLabel):
    """A one-line plain-text label that shortens itself with "…" to the room it is given.

    ``text()`` is always the full text; the tooltip and accessible description hold it too, so what is cut
    on screen can still be read (hovered, or by a screen reader). ``short`` is shown instead of the full text
    when given; ``mode`` says where the "…" goes (in the middle keeps a count at the end in view)."""

    def __init__(
        self, text: str = "", parent: QWidget | None = None, *, mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight
    ) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._mode = mode
        self._full = self._shown = ""
        self.setText(text)

    def setText(self, text: str, *, short: str | None = None) -> None:
        self._full = text
        self._shown = short if short is not None else text
        self.setToolTip(text)
        self.setAccessibleDescription(text)
        self._elide()
        self.updateGeometry()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """What is on screen now (the full text, or its start and "…")."""
        return super().text()

    def is_elided(self) -> bool:
        return self.shown_text() != self._shown

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._shown) + margins.left() + margins.right() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        least = self.fontMetrics().horizontalAdvance("x" * MIN_CHARS)
        return QSize(min(hint.width(), least), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width()
        shown = self._shown
        if self.fontMetrics().horizontalAdvance(shown) > room:
            shown = self.fontMetrics().elidedText(shown, self._mode, room)
        super().setText(shown)


class StatusBar(QStatusBar):
    """``showMessage`` puts the message in a label that takes its share of the bar (see the module doc)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = ElidedLabel()
        self.message.setObjectName("status_message")
        self.message.setAccessibleName("Status")
        # A permanent widget like the rest, so all of them give way alike when the bar is short of room.
        self.addPermanentWidget(self.message, 1)
        self._timeout = QTimer(self, singleShot=True)
        self._timeout.timeout.connect(self.clearMessage)

    def showMessage(self, text: str, timeout: int = 0) -> None:
        self._timeout.stop()
        self.message.setText(text)
        if timeout > 0:
            self._timeout.start(timeout)

    def clearMessage(self) -> None:
        self._timeout.stop()
        self.message.setText("")

    def currentMessage(self) -> str:
        return self.message.text()
