"""Set a passphrase on first run, or unlock; the key derivation runs off the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.errors import StoreError, WaymarkError
from app.passphrase_rules import MIN_PASSPHRASE_LENGTH
from ui.tasks import Task
from ui.unlock_countdown import UnlockCountdown

FIRST_HELP = (
    "<h2>If someone needs help now</h2><ul><li><b>Emergency services: Phone 999</b></li>"
    "<li><b>Samaritans: 116 123</b> (free, any time)</li></ul>"
)

if TYPE_CHECKING:  # the store code loads in the background while the worker types (ui.main)
    from app.workspace import Workspace


class UnlockDialog(QDialog):
    """``first_run``: choose and confirm a passphrase, then ``opener`` builds the store."""

    unlocked = Signal(object)  # Workspace

    def __init__(
        self,
        opener: Callable[[str], Workspace],
        pool: QThreadPool,
        *,
        first_run: bool,
        parent: QWidget | None = None,
        seconds_to_wait: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(parent)
        self._opener = opener
        self.countdown = UnlockCountdown(seconds_to_wait or (lambda: 0.0), self)
        self.countdown.ticked.connect(self._on_wait)
        self.countdown.finished.connect(self._on_wait_over)
        self._pool = pool
        self._first_run = first_run
        self._task: Task | None = None
        self.setWindowTitle("Waymark — set a passphrase" if first_run else "Waymark — unlock")
        self.setMinimumWidth(520)
        self.resize(560, 560)

        intro = QLabel(
            "Choose a passphrase to protect the records on this laptop. Three or four random words work well."
            if first_run
            else "Enter your passphrase to open your caseload."
        )
        intro.setWordWrap(True)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.confirm = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Passphrase again")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Unlock message")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        self.busy.setAccessibleName("Working")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create" if first_run else "Unlock")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Passphrase", self.passphrase)
        if first_run:
            form.addRow("&Again", self.confirm)
            self.passphrase.textChanged.connect(self._on_passphrase_changed)
        else:
            self.confirm.setVisible(False)
        # The same help as the lock screen: a locked laptop never stands between a worker and help. A
        # short version at once; the full national and local numbers once the organisation files load.
        self.help = QTextBrowser()
        self.help.setObjectName("unlock_help")
        self.help.setAccessibleName("Crisis numbers")
        self.help.setHtml(FIRST_HELP)
        layout = QVBoxLayout(self)
        layout.addWidget(self.help, 1)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.passphrase.setFocus()

    def _on_passphrase_changed(self, text: str) -> None:
        words = len(text.split())
        if len(text) < MIN_PASSPHRASE_LENGTH:
            hint = f"Too short: at least {MIN_PASSPHRASE_LENGTH} characters."
        elif words >= 3 or len(text) >= 16:
            hint = "Strong enough."
        else:
            hint = "Acceptable. Longer is stronger: try three or four words."
        self.message.setText(hint)

    def show_help(self, html: str) -> None:
        self.help.setHtml(html)

    def check_wait(self) -> None:
        """Show any wait still due from earlier failures (called once the store code has loaded)."""
        self.countdown.start()

    def _on_wait(self, message: str) -> None:
        self.message.setText(message)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    def _on_wait_over(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.message.setText("You can try again now.")

    def _submit(self) -> None:
        if self.countdown.running:
            return  # the button is disabled; Return in the field must not start a throttled attempt
        text = self.passphrase.text()
        if self._first_run:
            if len(text) < MIN_PASSPHRASE_LENGTH:
                self.message.setText(f"The passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters.")
                return
            if text != self.confirm.text():
                self.message.setText("The two passphrases differ. Type them again.")
                self.confirm.clear()
                return
        self._set_busy(True)
        self.message.setText("Setting up your records…" if self._first_run else "Unlocking…")
        task = Task(lambda: self._opener(text))
        task.outcome.succeeded.connect(self._on_opened)
        task.outcome.failed.connect(self._on_failed)
        self._task = task
        self._pool.start(task)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.passphrase.setEnabled(not busy)
        self.confirm.setEnabled(not busy)
        self.buttons.setEnabled(not busy)

    def _on_opened(self, workspace: Any) -> None:
        self._task = None
        self.passphrase.clear()
        self.confirm.clear()
        self.unlocked.emit(workspace)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self._task = None
        self._set_busy(False)
        self.passphrase.clear()
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(exc, (StoreError, WaymarkError)):
            self.message.setText(str(exc))
            self.countdown.start()
        else:
            self.message.setText(
                "Waymark could not open your records because of an unexpected problem. Nothing has been changed. "
                "Try again; if it keeps happening, contact support."
            )
