"""Amend a signed note: an addendum, a correction, or marking it entered in error. The original stays."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.contact_notes import AmendmentKind, Note
from app.form_drafts import FormKind
from app.text_input import NOTE_MAX_CHARS
from app.workspace import Workspace
from ui.operations import StoreOps
from ui.text_limits import limit_line, limit_text
from ui.typed_dialog import TypedDialog

KIND_LABELS = {
    AmendmentKind.ADDENDUM: "Addendum (add to the note)",
    AmendmentKind.CORRECTION: "Correction (the note was wrong)",
    AmendmentKind.ENTERED_IN_ERROR: "Entered in error (wrong person or never happened)",
}


class AmendDialog(TypedDialog):
    what = "This amendment"
    form_kind = FormKind.AMENDMENT

    saved = Signal(object)  # Amendment

    def __init__(self, workspace: Workspace, note: Note, parent: QWidget | None = None, *, ops: StoreOps) -> None:
        super().__init__(ops, parent)
        self._workspace = workspace
        self._note = note
        self.setWindowTitle("Amend a note")
        self.setMinimumWidth(520)
        original = QLabel(
            f"<b>{note.contact_start.astimezone():%a %d %b %Y %H:%M}</b> · {note.outcome.label}<br>"
            "The original note stays exactly as written; your amendment is shown beneath it."
        )
        original.setWordWrap(True)
        # The note being amended, read only, where the amendment is written: a correction is written against
        # what the note says, not from memory.
        self.original = QPlainTextEdit()
        self.original.setObjectName("original_note")
        self.original.setAccessibleName("The note being amended (read only)")
        self.original.setReadOnly(True)
        self.original.setTabChangesFocus(True)
        self.original.setPlainText(original_text(note))
        self.original.setMinimumHeight(70)
        self.original.setMaximumHeight(160)
        self.original.setStyleSheet("QPlainTextEdit { background: palette(window); }")  # not a field to type in
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of amendment")
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for amendment")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Amendment text")
        self.text.setTabChangesFocus(True)
        limit_line(self.reason)
        limit_text(self.text, NOTE_MAX_CHARS)
        form = QFormLayout()
        form.addRow("&Kind", self.kind)
        form.addRow("&Reason", self.reason)
        form.addRow("&Text", self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(original)
        layout.addWidget(self.original)
        layout.addLayout(form)
        self.saving.hold(buttons)
        layout.addWidget(self.saving.label)
        layout.addWidget(buttons)
        self.kind.setFocus()
        self.track_draft(workspace.forms, note.person_id, note.id)

    def draft_fields(self) -> dict[str, Any]:
        return {"kind": str(self.kind.currentData()), "reason": self.reason.text(), "text": self.text.toPlainText()}

    def restore_fields(self, fields: dict[str, Any]) -> None:
        index = self.kind.findData(AmendmentKind(fields["kind"])) if fields.get("kind") in set(AmendmentKind) else -1
        if index >= 0:
            self.kind.setCurrentIndex(index)
        self.reason.setText(str(fields.get("reason", "")))
        self.text.setPlainText(str(fields.get("text", "")))

    def typed_text(self) -> list[str]:
        return [self.reason.text(), self.text.toPlainText()]

    def save(self) -> None:
        notes, note_id = self._workspace.notes, self._note.id
        kind, reason, text = AmendmentKind(self.kind.currentData()), self.reason.text(), self.text.toPlainText()
        self.saving.run(
            "Amendment",
            lambda: notes.amend(note_id, kind, reason, text),
            persons=[self._note.person_id],
            succeeded=self._done,
        )

    def _done(self, amendment: object) -> None:
        self.saved.emit(amendment)
        self.accept()


def original_text(note: Note) -> str:
    """The note as written, its next action, and the amendments already made to it, as plain text."""
    parts = [note.narrative or "(no text)"]
    if note.next_action:
        due = f" by {note.next_action_due.astimezone():%a %d %b %H:%M}" if note.next_action_due else ""
        parts.append(f"Next: {note.next_action}{due}")
    parts.extend(
        f"{KIND_LABELS[a.kind].split(' (')[0]} {a.created_at.astimezone():%d %b %H:%M}: {a.text or '(no text)'} "
        f"(reason: {a.reason})"
        for a in note.amendments
    )
    return "\n\n".join(parts)
