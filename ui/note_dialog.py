"""Record a contact note (J2): method, outcome, times, what happened, safety-plan steps used, next action.

"Sign and save" signs it (from then on it can only be amended); "Save as draft" keeps whatever was typed,
valid or not, to finish later. Closing with unsaved text asks first; a failed save keeps it all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QTextCursor
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

from app.changes import Changed
from app.contact_notes import MISSED_OUTCOMES, ContactMethod, Note, NoteDraft, Outcome, require_chosen
from app.errors import InvalidInput
from app.safety_plans import Step
from app.text_input import NOTE_MAX_CHARS
from app.workspace import Workspace
from ui.operations import StoreOps
from ui.save_errors import explain_failed_save
from ui.saving import Saving
from ui.text_limits import limit_line, limit_text
from ui.time_entry import TIME_FIRST

# Closing a note with text in it: each button says exactly what it does (the default keeps the draft).
KEEP_AS_DRAFT = "&Keep as unsigned draft"
DISCARD_TYPED = "&Discard what I typed"
BACK_TO_NOTE = "&Back to the note"


def to_qt(at: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(at.timestamp()))


def from_qt(value: QDateTime) -> datetime:
    return value.toPython().astimezone()  # local wall time, made aware: the store keeps UTC


_E = TypeVar("_E", ContactMethod, Outcome)


def _chosen(kind: type[_E], combo: QComboBox) -> _E | None:
    return None if combo.currentIndex() < 0 else kind(combo.currentData())  # -1: the worker has not chosen


class NoteDialog(QDialog):
    saved = Signal(object)  # Note

    def __init__(
        self,
        workspace: Workspace,
        person_id: uuid.UUID,
        person_name: str,
        *,
        outcome: Outcome | None = None,
        method: ContactMethod | None = None,
        planned_contact_id: uuid.UUID | None = None,
        existing: Note | None = None,
        parent: QWidget | None = None,
        ops: StoreOps,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._person_id = person_id
        self._planned = planned_contact_id
        self._saved = False
        # The unsigned draft this dialog is finishing, or has kept: saving again overwrites that draft.
        self.draft_id: uuid.UUID | None = existing.id if existing is not None else None
        self.setWindowTitle(f"Contact note — {person_name}" + (" (draft)" if existing is not None else ""))
        self.setMinimumWidth(620)
        now = workspace.clock.now()

        # Method and outcome start unchosen (unless the worker came from "record the attempt"): a default would
        # let "phoned, no answer" typed at the end of a long day be signed as a home visit where they were seen.
        self.method = QComboBox()
        self.method.setAccessibleName("Method")
        self.method.setPlaceholderText("Choose how the contact was made…")
        for m in ContactMethod:
            self.method.addItem(m.label, m)
        self.method.setCurrentIndex(-1 if method is None else list(ContactMethod).index(method))
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setPlaceholderText("Choose what happened…")
        for o in Outcome:
            self.outcome.addItem(o.label, o)
        self.outcome.setCurrentIndex(-1 if outcome is None else list(Outcome).index(outcome))
        # A visit or a conversation usually lasts about half an hour; an attempt that reached nobody, a moment.
        started = now if outcome in MISSED_OUTCOMES else now - timedelta(minutes=30)
        self.start = QDateTimeEdit(to_qt(started), calendarPopup=True)
        self.start.setAccessibleName("Contact started")
        self.end = QDateTimeEdit(to_qt(now), calendarPopup=True)
        self.end.setAccessibleName("Contact ended")
        for edit in (self.start, self.end):
            edit.setDisplayFormat(TIME_FIRST)
        self.end.dateTimeChanged.connect(self._update_late)

        self.narrative = QPlainTextEdit()
        self.narrative.setAccessibleName("What happened")
        self.narrative.setPlaceholderText("What happened, what was discussed, what the person said")
        self.narrative.setTabChangesFocus(True)
        self.narrative_count = QLabel()
        self.narrative_count.setObjectName("narrative_count")
        self.narrative_count.setAccessibleName("Length of what happened")
        limit_text(self.narrative, NOTE_MAX_CHARS, self.narrative_count)

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
        self.next_due.setDisplayFormat(TIME_FIRST)
        self.next_due.setAccessibleName("Next action due")
        self.next_due.setEnabled(False)
        self.has_due.toggled.connect(self.next_due.setEnabled)
        self.late_reason = QLineEdit()
        self.late_reason.setAccessibleName("Reason for late entry")
        self.late_label = QLabel("Reason for &late entry")
        self.late_label.setBuddy(self.late_reason)
        for line in (self.next_action, self.late_reason):
            limit_line(line)
        if existing is not None:
            self._fill(existing)
        self.asked_again = QLabel(
            "<b>Choose the method and the outcome again.</b> This draft was kept by an earlier version of Waymark, "
            "which filled in “Home visit” and “Seen” by itself, so they were cleared when this version opened "
            "the store. Check the start and end times too. Everything you typed is kept."
        )
        self.asked_again.setObjectName("asked_again")
        self.asked_again.setWordWrap(True)
        self.asked_again.setVisible(existing is not None and workspace.drafts.asked_again(existing.id))

        form = QFormLayout()
        form.addRow("&Method", self.method)
        form.addRow("&Outcome", self.outcome)
        form.addRow("Contact &started", self.start)
        form.addRow("Contact &ended", self.end)
        form.addRow("&What happened", self.narrative)
        form.addRow("", self.narrative_count)
        form.addRow(steps_box)
        form.addRow("Ne&xt action", self.next_action)
        form.addRow(self.has_due, self.next_due)
        form.addRow(self.late_label, self.late_reason)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = self.buttons.addButton("Si&gn and save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_button.setToolTip(
            "Sign the note and save it (Ctrl+S). Once signed it can no longer be changed, only amended."
        )
        self.draft_button = self.buttons.addButton("Save as &draft", QDialogButtonBox.ButtonRole.ActionRole)
        self.draft_button.setToolTip("Keep what you typed, unsigned, to finish later. Nothing is checked yet.")
        self.draft_button.clicked.connect(self.save_draft)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.close)
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            activated=self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.saving = Saving(self, ops, [self.buttons])
        layout = QVBoxLayout(self)
        layout.addWidget(self.asked_again)
        layout.addLayout(form)
        layout.addWidget(self.saving.label)
        layout.addWidget(self.buttons)
        self._update_late()
        self._now = now
        self._start_typed = existing is not None  # a draft's times are the worker's own
        self.start.dateTimeChanged.connect(self._start_edited)
        self.outcome.currentIndexChanged.connect(self._outcome_chosen)
        (self.method if self.method.currentIndex() < 0 else self.narrative).setFocus()

    def _start_edited(self) -> None:
        if not self._moving_start:
            self._start_typed = True

    _moving_start = False

    def _outcome_chosen(self) -> None:
        # Until the worker sets the start, it follows the outcome: an attempt that reached nobody is a moment,
        # not the half-hour visit the form assumed while nothing was chosen.
        if self._start_typed:
            return
        missed = _chosen(Outcome, self.outcome) in MISSED_OUTCOMES
        self._moving_start = True
        try:
            self.start.setDateTime(to_qt(self._now if missed else self._now - timedelta(minutes=30)))
        finally:
            self._moving_start = False

    def _fill(self, note: Note) -> None:
        self.method.setCurrentIndex(-1 if note.method is None else list(ContactMethod).index(note.method))
        self.outcome.setCurrentIndex(-1 if note.outcome is None else list(Outcome).index(note.outcome))
        self.start.setDateTime(to_qt(note.contact_start))
        self.end.setDateTime(to_qt(note.contact_end))
        self.narrative.setPlainText(note.narrative)
        self.narrative.moveCursor(QTextCursor.MoveOperation.End)  # carry on where the worker stopped
        for step, box in self.steps.items():
            box.setChecked(int(step) in note.plan_steps_used)
        self.next_action.setText(note.next_action or "")
        self.has_due.setChecked(note.next_action_due is not None)
        if note.next_action_due is not None:
            self.next_due.setDateTime(to_qt(note.next_action_due))
        self.late_reason.setText(note.late_entry_reason or "")
        self._planned = note.planned_contact_id

    def _update_late(self) -> None:
        late = self._workspace.notes.is_late(from_qt(self.end.dateTime()))
        self.late_label.setVisible(late)
        self.late_reason.setVisible(late)

    def draft(self) -> NoteDraft:
        return NoteDraft(
            person_id=self._person_id,
            contact_start=from_qt(self.start.dateTime()),
            contact_end=from_qt(self.end.dateTime()),
            method=_chosen(ContactMethod, self.method),
            outcome=_chosen(Outcome, self.outcome),
            narrative=self.narrative.toPlainText(),
            plan_steps_used=[int(s) for s, box in self.steps.items() if box.isChecked()],
            next_action=self.next_action.text() or None,
            next_action_due=from_qt(self.next_due.dateTime()) if self.has_due.isChecked() else None,
            late_entry_reason=self.late_reason.text() or None,
            planned_contact_id=self._planned,
        )

    def save(self) -> None:
        """Sign and save: the note's rules apply now. The dialog closes once the save has landed."""
        ws, draft, draft_id = self._workspace, self.draft(), self.draft_id
        try:
            require_chosen(draft)  # asked here, before the store, so the worker lands on the field to choose
        except InvalidInput as exc:
            explain_failed_save(self, "Note", exc)
            (self.method if exc.field == "Method" else self.outcome).setFocus()
            return
        if draft_id is not None:
            self.saving.run(
                "Note", lambda: ws.drafts.sign(draft_id, draft), persons=[draft.person_id], succeeded=self._signed
            )
        else:
            self.saving.run("Note", lambda: ws.notes.record(draft), persons=[draft.person_id], succeeded=self._signed)

    def _signed(self, note: Note) -> None:
        self._saved = True
        self.saved.emit(note)
        self.accept()

    def keep_draft(self, then: Callable[[], object] | None = None) -> None:
        """Keep what is typed as an unsigned draft, valid or not; on failure the form is kept and the worker
        told why. ``then`` runs once it is kept."""
        ws, draft, draft_id = self._workspace, self.draft(), self.draft_id

        def keep() -> tuple[Note, Changed]:
            return ws.drafts.keep(draft, draft_id), Changed.NOTES | Changed.CASELOAD

        def kept(note: Note) -> None:
            self.draft_id = note.id
            self._saved = True
            self.saved.emit(note)
            if then is not None:
                then()

        self.saving.run("Draft", keep, persons=[draft.person_id], succeeded=kept)

    def save_draft(self) -> None:
        self.keep_draft(self.accept)

    def mark_kept_as_draft(self) -> None:
        """The store is closing and this text was saved as an unsigned draft: nothing left to ask about."""
        self._saved = True

    def has_unsaved_text(self) -> bool:
        typed = (self.narrative.toPlainText(), self.next_action.text(), self.late_reason.text())
        return not self._saved and any(t.strip() for t in typed)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.saving.active:
            event.ignore()  # closes by itself once the save has landed
            return
        if self.has_unsaved_text() and not self._confirm_discard():
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if self.saving.active:
            return
        if self.has_unsaved_text() and not self._confirm_discard():
            return
        self._saved = True  # the worker chose: do not ask twice
        super().reject()

    def _confirm_discard(self) -> bool:
        """Ask before typed text goes; True when the dialog may close (kept as a draft, or discarded).

        Each button says what it does: the default keeps an unsigned draft (it is not signed, so not yet a
        record of the contact), Escape goes back to the note."""
        question = QMessageBox(
            QMessageBox.Icon.Question,
            "Close this note?",
            "This note has not been signed. Keep what you typed as an unsigned draft to finish and sign later "
            "(it shows on the person and in the work due), or discard it?",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        keep = question.addButton(KEEP_AS_DRAFT, QMessageBox.ButtonRole.AcceptRole)
        discard = question.addButton(DISCARD_TYPED, QMessageBox.ButtonRole.DestructiveRole)
        back = question.addButton(BACK_TO_NOTE, QMessageBox.ButtonRole.RejectRole)
        question.setDefaultButton(keep)
        question.setEscapeButton(back)
        question.exec()
        answer = question.clickedButton()
        question.deleteLater()
        if answer is keep:
            self.keep_draft(self.accept)  # closes once the draft is kept; on failure the form stays
            return False
        return answer is discard
