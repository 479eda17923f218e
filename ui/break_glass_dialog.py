"""Break-glass for duty staff: open a person outside one's caseload or cover, known by NHS number.

Called out of hours about someone who is not on this laptop, the duty worker types the NHS number the
caller reads out and writes why they must open the record now. The reason goes first: the server grants a
short, stated time, and the team lead sees who opened whom, when and why. Asking the server and the sync
that brings the person run off the UI thread; a failure says what happened and keeps everything typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from app import nhs_number
from app.errors import InvalidInput
from sync.engine import AlreadyHeld
from ui.tasks import Task

# (NHS number as typed, reason) -> (the grant's person id, its end as shown to the worker), or AlreadyHeld when
# the person is already the worker's to open (nothing was opened by break-glass); raises with words
Opener = Callable[[str, str], "tuple[uuid.UUID, str] | AlreadyHeld"]
# The numbers to phone now ("Eastmoor duty line: 01632 960 123"), for when the server will not open the record
Numbers = Callable[[], list[str]]

REASON_MIN = 20  # as the server requires
KEPT = "Nothing you typed was lost: correct it and press Open again, or Cancel."
# Trying again cannot help while the server has paused openings: say so, and where the numbers are.
PAUSED = "too_many_break_glass_attempts"
KEPT_PAUSED = "What you typed is kept here; Cancel closes this window."
EXPLAINED = (
    "Use this only when you must act for someone who is not on your caseload or cover tonight. The person's "
    "team lead sees that you opened this record, when and your reason; your own team lead sees that you opened "
    "it and when (and your reason too, when the person is in your team). The record "
    "stays on this laptop for two hours, then leaves it once anything you recorded has been sent."
)


class BreakGlassDialog(QDialog):
    opened = Signal(object, str)  # the person's id, and until when
    already_held = Signal(str)  # the NHS number's digits: the person is on the worker's caseload or cover now

    def __init__(
        self, opener: Opener, pool: QThreadPool, parent: QWidget | None = None, numbers: Numbers | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open someone outside your cover")
        self._opener = opener
        self._numbers = numbers
        self._pool = pool
        self._task: Task | None = None
        explained = QLabel(EXPLAINED)
        explained.setWordWrap(True)
        self.nhs = QLineEdit()
        self.nhs.setPlaceholderText("e.g. 943 476 5919")
        self.nhs.setAccessibleName("NHS number")
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Why you must open this record now (your team lead reads it)")
        self.reason.setAccessibleName("Reason for opening")
        self.reason.setTabChangesFocus(True)
        form = QFormLayout()
        nhs_label = QLabel("&NHS number")
        nhs_label.setBuddy(self.nhs)
        reason_label = QLabel("&Reason")
        reason_label.setBuddy(self.reason)
        form.addRow(nhs_label, self.nhs)
        form.addRow(reason_label, self.reason)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # how long the server takes is not known: a busy bar, with words beside it
        self.progress.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.addButton("&Open record", QDialogButtonBox.ButtonRole.AcceptRole)
        # Return anywhere in the form opens the record: Cancel must never be what a reflex Enter presses.
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        cancel.setDefault(False)
        self.open_button.setAutoDefault(True)
        self.open_button.setDefault(True)
        self.buttons.accepted.connect(self._open)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explained)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.resize(520, 360)

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _open(self) -> None:
        if self._task is not None:
            return
        typed, reason = self.nhs.text(), self.reason.toPlainText().strip()
        try:
            nhs_number.validate(typed)
        except InvalidInput as problem:
            self._say(f"{problem}")
            self.nhs.setFocus()
            return
        if len(reason) < REASON_MIN:
            self._say(
                f"Write why you must open this record now (at least {REASON_MIN} characters): your team lead "
                "reads it. Nothing was opened."
            )
            self.reason.setFocus()
            return
        self._say("Asking the server to open the record, then bringing it to this laptop…")
        self._busy(True)
        task = Task(lambda: self._opener(typed, reason))
        task.outcome.succeeded.connect(self._done)
        task.outcome.failed.connect(self._failed)
        self._task = task
        self._pool.start(task)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.open_button.setEnabled(not busy)
        self.nhs.setReadOnly(busy)
        self.reason.setReadOnly(busy)

    def _done(self, result: Any) -> None:
        self._task = None
        self._busy(False)
        # What was typed was for this caller and this person: the next use of the window starts empty, so a
        # reason written for one call is never sent for another (a new user's finding).
        self.nhs.clear()
        self.reason.clear()
        self._say("")
        if isinstance(result, AlreadyHeld):
            self.already_held.emit(result.nhs_number)
        else:
            person_id, until = result
            self.opened.emit(person_id, until)
        self.accept()

    def _failed(self, failure: Exception) -> None:
        self._task = None
        self._busy(False)
        if getattr(failure, "reason", None) != PAUSED:
            self._say(f"{failure} {KEPT}")
            return
        # The window is modal: the crisis contacts (Ctrl+D) are behind it, so the numbers come here.
        numbers = self._numbers() if self._numbers is not None else []
        listed = f" Numbers to phone now: {'; '.join(numbers)}." if numbers else ""
        self._say(f"{failure}{listed} {KEPT_PAUSED}")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setFocus()

    def forget(self) -> None:
        """The laptop is locking: clear what was typed and close. A grant already asked for still reports
        (``opened``), so the person the server opened is not lost."""
        self.nhs.clear()
        self.reason.clear()
        self._say("")
        self.hide()
        if self._task is None:
            super().reject()

    def reject(self) -> None:
        if self._task is not None:
            return  # the server may already have granted it: wait for the answer rather than lose it
        super().reject()
