"""Renew this laptop's enrolment, after the server said its sign-in had lapsed (``token_expired``).

The worker types the new code their administrator gave them; the server renews this same device, so nothing
stored here is touched: the records not sent yet keep their place and go at the next sync. The renewal runs
off the UI thread; a refusal says what happened, that nothing changed, and keeps the code as typed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from sync.client import NOTHING_LOST, SyncFailure
from ui.tasks import Task

TITLE = "Renew this laptop's enrolment"
UNCHANGED = "Nothing on this laptop was changed."


def explanation(server: str, unsent: int) -> str:
    waiting = (
        f"The {unsent} record{'s' if unsent != 1 else ''} not sent yet {'stay' if unsent != 1 else 'stays'} on this "
        f"laptop, safe, and {'go' if unsent != 1 else 'goes'} at the next sync once the enrolment is renewed."
        if unsent
        else "Nothing is waiting to be sent."
    )
    text = (
        f"This laptop's sign-in to the sync server ({server}) has lapsed because it had not synced for a long "
        f"time. Nothing on this laptop has been changed or lost. {waiting} Ask your administrator for an "
        "enrolment code for you, type it here and press Renew."
    )
    if unsent:
        text += " Sending never tells anyone: if an escalation needs someone told, phone them now."
    return text


class RenewDialog(QDialog):
    renewed = Signal()

    def __init__(
        self,
        renewer: Callable[[str], object],
        pool: QThreadPool,
        *,
        server: str,
        unsent: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._renewer = renewer
        self._pool = pool
        self._task: Task | None = None
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(480)
        self.intro = QLabel(explanation(server, unsent))
        self.intro.setObjectName("renew_intro")
        self.intro.setWordWrap(True)
        self.code = QLineEdit(placeholderText="XXXX-XXXX-XXXX-XXXX")
        self.code.setAccessibleName("Enrolment code")
        form = QFormLayout()
        form.addRow("Enrolment &code", self.code)
        self.message = QLabel()
        self.message.setObjectName("renew_message")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Renewal message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.renew_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.renew_button.setText("&Renew")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.code.setFocus()

    @property
    def busy(self) -> bool:
        return self._task is not None

    def submit(self) -> None:
        code = self.code.text().strip()
        if self._task is not None:
            return
        if not code:
            self.message.setText(f"Type the enrolment code your administrator gave you. {UNCHANGED}")
            self.adjustSize()
            self.code.setFocus()
            return
        self.message.setText("Renewing with the sync server…")
        self._hold(True)
        task = Task(lambda: self._renewer(code))
        task.outcome.succeeded.connect(self._done)
        task.outcome.failed.connect(self._refused)
        self._task = task
        self._pool.start(task)

    def _hold(self, busy: bool) -> None:
        self.code.setEnabled(not busy)
        self.renew_button.setEnabled(not busy)

    def _done(self, _state: object) -> None:
        self._task = None
        self._hold(False)
        self.renewed.emit()
        self.accept()

    def _refused(self, exc: Exception) -> None:
        self._task = None
        self._hold(False)
        if isinstance(exc, SyncFailure):
            words = str(exc).replace(NOTHING_LOST, "").strip()  # said above already, in this window's words
        else:
            words = "The enrolment could not be renewed because of an unexpected problem."
        self.message.setText(f"{words} {UNCHANGED}" if UNCHANGED not in words else words)
        self.adjustSize()  # the words take the room they need, none clipped
        self.code.setFocus()
        self.code.selectAll()

    def reject(self) -> None:
        if self._task is not None:
            return  # the server is answering: closing now would leave the worker not knowing the outcome
        super().reject()
