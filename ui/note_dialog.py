"""Record a contact note (J2): method, outcome, times, what happened, safety-plan steps used, next action.

Saved durably the moment Save is pressed. Closing with unsaved text asks first; a failed save keeps it all.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.safety_plans import Step
from app.workspace import Workspace
from ui.save_errors import explain_failed_save


def to_qt(at: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(at.timestamp()))


def from_qt(value: QDateTime) -> datetime:
    return value.toPython().astimezone()  # local wall time, made aware: the store keeps UTC


class NoteDialog(QDialog):
    saved = Signal(object)  # Note

    def __init__(
        self,
        workspace: Workspace,
        person_id: uuid.UUID,
        person_name: str,
        *,
        outcome: Outcome = Outcome.SEEN,
        method: ContactMethod = ContactMethod.HOME_VISIT,
        planned_contact_id: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._person_id = person_id
        self._planned = planned_contact_id
        self._saved = False
        self.setWindowTitle(f"Contact note — {person_name}")
        self.setMinimumWidth(620)
        now = workspace.clock.now()

        self.method = QComboBox()
        self.method.setAccessibleName("Method")
        for m in ContactMethod:
            self.method.addItem(m.label, m)
        self.method.setCurrentIndex(list(ContactMethod).index(method))
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        for o in Outcome:
            self.outcome.addItem(o.label, o)
        self.outcome.setCurrentIndex(list(Outcome).index(outcome))
        self.start = QDateTimeEdit(to_qt(now - timedelta(minutes=30)), calendarPopup=True)
        self.start.setAccessibleName("Contact started")
        self.end = QDateTimeEdit(to_qt(now), calendarPopup=True)
        self.end.setAccessibleName("Contact ended")
        for edit in (self.start, self.end):
            edit.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.end.dateTimeChanged.connect(self._update_late)

        self.narrative = QPlainTextEdit()
        self.narrative.setAccessibleName("What happened")
        self.narrative.setPlaceholderText("What happened, what was discussed, what the person said")
        self.narrative.setTabChangesFocus(True)

        steps_box = QGroupBox("Safety plan steps used")
        grid = QGridLayout(steps_box)
        self.steps: dict[Step, QCheckBox] = {}
        for i, step in enumerate(Step):
            box = QCheckBox(f"&{int(step)} {step.title}")
            box.setAccessibleName(f"Used step {int(step)}: {step.title}")
            grid.addWidget(box, i // 2, i % 2)
            self.steps[step] = box

        self.next_action = QLineEdit()
        self.next_action.setAccessibleName("Next action")
        self.next_action.setPlaceholderText("e.g. Extra call tomorrow")
        self.has_due = QCheckBox("Due by")
        self.next_due = QDateTimeEdit(to_qt(now + timedelta(days=1)), calendarPopup=True)
        self.next_due.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.next_due.setAccessibleName("Next action due")
        self.next_due.setEnabled(False)
        self.has_due.toggled.connect(self.next_due.setEnabled)
        self.late_reason = QLineEdit()
        self.late_reason.setAccessibleName("Reason for late entry")
        self.late_label = QLabel("Reason for &late entry")
        self.late_label.setBuddy(self.late_reason)

        form = QFormLayout()
        form.addRow("&Method", self.method)
        form.addRow("&Outcome", self.outcome)
        form.addRow("Contact &started", self.start)
        form.addRow("Contact &ended", self.end)
        form.addRow("&What happened", self.narrative)
        form.addRow(steps_box)
        form.addRow("Ne&xt action", self.next_action)
        form.addRow(self.has_due, self.next_due)
        form.addRow(self.late_label, self.late_reason)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.close)
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            activated=self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._update_late()
        self.narrative.setFocus()

    def _update_late(self) -> None:
        late = self._workspace.notes.is_late(from_qt(self.end.dateTime()))
        self.late_label.setVisible(late)
        self.late_reason.setVisible(late)

    def draft(self) -> NoteDraft:
        return NoteDraft(
            person_id=self._person_id,
            contact_start=from_qt(self.start.dateTime()),
            contact_end=from_qt(self.end.dateTime()),
            method=ContactMethod(self.method.currentData()),
            outcome=Outcome(self.outcome.currentData()),
            narrative=self.narrative.toPlainText(),
            plan_steps_used=[int(s) for s, box in self.steps.items() if box.isChecked()],
            next_action=self.next_action.text() or None,
            next_action_due=from_qt(self.next_due.dateTime()) if self.has_due.isChecked() else None,
            late_entry_reason=self.late_reason.text() or None,
            planned_contact_id=self._planned,
        )

    def save(self) -> None:
        try:
            note, _ = self._workspace.notes.record(self.draft())
        except Exception as exc:  # every failure is explained and the form is kept as typed
            explain_failed_save(self, "Note", exc)
            return
        self._saved = True
        self.saved.emit(note)
        self.accept()

    def mark_kept_as_draft(self) -> None:
        """The store is closing and this text was saved as an unsigned draft: nothing left to ask about."""
        self._saved = True

    def has_unsaved_text(self) -> bool:
        return not self._saved and bool(self.narrative.toPlainText().strip() or self.next_action.text().strip())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.has_unsaved_text() and not self._confirm_discard():
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if self.has_unsaved_text() and not self._confirm_discard():
            return
        self._saved = True  # the worker chose to discard: do not ask twice
        super().reject()

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Discard this note?",
            "This note has not been saved. Discard what you typed?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard
