"""First run on a worker's laptop: "Enrol this laptop" with the organisation's sync server.

Server address, one-time code, a passphrase typed twice and, when the organisation uses its own certificate
authority, its file. Making the store, enrolling and the first sync run off the UI thread, saying in words
what they are doing; a failure says what happened and what to do, and keeps everything typed. Also shown
after the organisation withdrew the laptop, saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.passphrase_rules import MIN_PASSPHRASE_LENGTH
from ui.tasks import Task
from ui.unlock_dialog import FIRST_HELP

if TYPE_CHECKING:  # loaded in the background while the worker types (ui.main)
    from sync.enrolment import Enrolled

# (server, code, passphrase, CA file or None, progress) -> the enrolled store
Enroller = Callable[[str, str, str, Path | None, Callable[[str], None]], "Enrolled"]

KEPT = "Nothing you typed was lost: correct what is needed and press Enrol again."


class _Progress(QObject):
    said = Signal(str)  # emitted on the worker thread, delivered on the UI thread


class EnrolDialog(QDialog):
    unlocked = Signal(object)  # Workspace, as UnlockDialog's
    demo_chosen = Signal()

    def __init__(
        self,
        enroller: Enroller,
        pool: QThreadPool,
        *,
        withdrawn: str | None = None,
        offer_demo: bool = True,
        server: str = "",
        code: str = "",
        note: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._enroller = enroller
        self._pool = pool
        self._task: Task | None = None
        self.first_sync_problem: str | None = None
        self.setWindowTitle("Waymark — enrol this laptop")
        self.setMinimumWidth(560)
        self.resize(620, 680)

        self.withdrawn = QLabel(withdrawn or "")
        self.withdrawn.setObjectName("withdrawn")
        self.withdrawn.setWordWrap(True)
        self.withdrawn.setAccessibleName("Why this laptop needs enrolling again")
        self.withdrawn.setStyleSheet("font-weight: bold")
        self.withdrawn.setVisible(bool(withdrawn))
        intro = QLabel(
            "Enrol this laptop with your organisation's Waymark server. Your administrator gives you the server "
            "address and a one-time enrolment code. Then choose a passphrase to protect the records kept on this "
            "laptop: three or four random words work well."
        )
        intro.setWordWrap(True)
        self.note = QLabel(note or "")
        self.note.setObjectName("enrol_note")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))

        self.server = QLineEdit(server, placeholderText="https://sync.example.org")
        self.server.setAccessibleName("Server address")
        self.code = QLineEdit(code, placeholderText="XXXX-XXXX-XXXX-XXXX")
        self.code.setAccessibleName("Enrolment code")
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.textChanged.connect(self._on_passphrase_changed)
        self.confirm = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Passphrase again")
        self.ca = QLineEdit(placeholderText="only if your administrator gave you one")
        self.ca.setAccessibleName("Certificate file (optional)")
        self.choose = QPushButton("C&hoose…")
        self.choose.clicked.connect(self._choose_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca, 1)
        ca_row.addWidget(self.choose)

        form = QFormLayout()
        form.addRow("&Server address", self.server)
        form.addRow("Enrolment &code", self.code)
        form.addRow("&Passphrase", self.passphrase)
        form.addRow("&Again", self.confirm)
        ca_label = QLabel("Certificate &file")
        ca_label.setBuddy(self.ca)
        form.addRow(ca_label, ca_row)

        self.message = QLabel()
        self.message.setObjectName("enrol_message")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Enrolment message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        self.busy.setAccessibleName("Working")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.enrol_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.enrol_button.setText("&Enrol")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Quit")
        self.demo_button: QPushButton | None = None
        if offer_demo:
            self.demo_button = self.buttons.addButton("Try the &demo instead", QDialogButtonBox.ButtonRole.ActionRole)
            self.demo_button.clicked.connect(self._choose_demo)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        # As on the lock screen: enrolling never stands between a worker and the crisis numbers.
        self.help = QTextBrowser()
        self.help.setObjectName("unlock_help")
        self.help.setAccessibleName("Crisis numbers")
        self.help.setHtml(FIRST_HELP)

        layout = QVBoxLayout(self)
        layout.addWidget(self.withdrawn)
        layout.addWidget(intro)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        layout.addWidget(self.help, 1)
        self._progress = _Progress(self)
        self._progress.said.connect(self.message.setText)
        (self.passphrase if server and code else self.server).setFocus()

    def show_help(self, html: str) -> None:
        self.help.setHtml(html)

    def check_wait(self) -> None:
        """Nothing to wait for before a first enrolment (the unlock window's hook, kept for ui.main)."""

    def _on_passphrase_changed(self, text: str) -> None:
        if self._task is not None:
            return
        if len(text) < MIN_PASSPHRASE_LENGTH:
            hint = f"Passphrase too short: at least {MIN_PASSPHRASE_LENGTH} characters."
        elif len(text.split()) >= 3 or len(text) >= 16:
            hint = "Passphrase strong enough."
        else:
            hint = "Passphrase acceptable. Longer is stronger: try three or four words."
        self.message.setText(hint)

    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The certificate file from your administrator", "", "Certificates (*.pem *.crt *.cer);;All (*)"
        )
        if path:
            self.ca.setText(path)

    def _choose_demo(self) -> None:
        self.demo_chosen.emit()
        self.done(QDialog.DialogCode.Rejected)

    def _submit(self) -> None:
        if self._task is not None:
            return
        server, code, text = self.server.text().strip(), self.code.text().strip(), self.passphrase.text()
        problem, field = None, None
        if not server:
            problem, field = "Type the server address your administrator gave you.", self.server
        elif not code:
            problem, field = "Type the enrolment code your administrator gave you.", self.code
        elif len(text) < MIN_PASSPHRASE_LENGTH:
            problem = f"The passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters."
            field = self.passphrase
        elif text != self.confirm.text():
            problem, field = "The two passphrases differ. Type the second one again.", self.confirm
        if problem is not None and field is not None:
            self.message.setText(problem)
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        ca = Path(self.ca.text().strip()) if self.ca.text().strip() else None
        self._set_busy(True)
        self.message.setText("Starting…")
        said = self._progress.said
        task = Task(lambda: self._enroller(server, code, text, ca, said.emit))
        task.outcome.succeeded.connect(self._on_enrolled)
        task.outcome.failed.connect(self._on_failed)
        self._task = task
        self._pool.start(task)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.server, self.code, self.passphrase, self.confirm, self.ca, self.choose, self.buttons):
            widget.setEnabled(not busy)

    def _on_enrolled(self, enrolled: Any) -> None:
        self._task = None
        self.passphrase.clear()
        self.confirm.clear()
        self.first_sync_problem = enrolled.first_sync_problem
        self.unlocked.emit(enrolled.workspace)
        self.accept()

    def _on_failed(self, exc: Exception) -> None:
        self._task = None
        self._set_busy(False)
        text, field = explain(exc, self.server.text().strip())
        self.message.setText(f"{text} {KEPT}")
        getattr(self, field).setFocus(Qt.FocusReason.OtherFocusReason)


def explain(exc: Exception, server: str) -> tuple[str, str]:
    """What went wrong, for the worker, and the field to go back to."""
    from app.errors import InvalidInput, StoreError, WaymarkError
    from sync.client import SyncFailure

    if isinstance(exc, InvalidInput):
        return f"{exc.field} {exc.problem}.", "passphrase"
    if isinstance(exc, SyncFailure):
        reason = exc.reason
        if reason in ("unreachable", "timeout", "connection"):
            return (
                f"The server at {server} could not be reached. Check the address, and that this laptop is online "
                "(Wi-Fi or mobile data), then try again.",
                "server",
            )
        if reason == "tls":
            return (
                "The server's identity could not be confirmed: its certificate is not one this laptop trusts, so "
                "nothing was sent. If your administrator gave you a certificate file, choose it below; otherwise "
                "check the address, or tell your IT support.",
                "ca",
            )
        if reason == "code_invalid":
            # The server gives one answer for a wrong, used or expired code, so it tells nobody which codes exist.
            return (
                "That enrolment code cannot be used: it may be mistyped, already used or expired. Check it against "
                "the one you were given (letters and digits; dashes and spaces do not matter), or ask your "
                "administrator for a new one.",
                "code",
            )
        if reason in ("code_unknown", "code_used", "code_expired"):  # servers before the single answer
            words = {
                "code_unknown": "The server does not know that enrolment code. Check it against the one you were "
                "given (letters and digits; dashes and spaces do not matter), or ask your administrator for a new one.",
                "code_used": "That enrolment code has already been used: each code enrols one laptop once. Ask your "
                "administrator for a new one.",
                "code_expired": "That enrolment code has expired. Ask your administrator for a new one.",
            }
            return words[reason], "code"
        if reason == "too_many_attempts" or exc.status == 429:
            return "Too many wrong enrolment codes were tried from this network. Wait 15 minutes, then try again.", (
                "code"
            )
        if reason in ("bad_address", "plain_http"):
            return str(exc), "server"
        if reason == "ca_missing":
            return str(exc), "ca"
        if reason == "server_error" or (exc.status or 0) >= 500:
            return (
                f"The server had a problem and did not enrol this laptop ({exc.status}). Try again in a few minutes; "
                "if it keeps happening, tell your IT support.",
                "server",
            )
        if exc.status is not None:
            return (
                f"The server refused to enrol this laptop ({exc.status}). Check the address and the code; if it keeps "
                "happening, tell your IT support.",
                "server",
            )
        return str(exc), "server"
    if isinstance(exc, (StoreError, WaymarkError)):
        return str(exc), "passphrase"
    return (
        "Enrolment stopped because of an unexpected problem; nothing was kept on this laptop. Try again; if it keeps "
        "happening, tell your IT support.",
        "server",
    )
