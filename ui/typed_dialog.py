"""A dialog holding typed text: Escape, Cancel and the close box ask before discarding it; Ctrl+S saves.

What is typed is also kept as a form draft (app/form_drafts.py) a moment after the worker stops typing and
whenever the app locks or closes, so a lock, an idle timeout or a crash never loses it: the dialog comes
back with it, and says so. The draft goes when the form is saved or the worker chooses to discard it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from app.changes import Changed
from app.form_drafts import FormDraft, FormDraftService, FormKind
from ui.operations import StoreOps
from ui.saving import Saving

log = logging.getLogger(__name__)

# Long enough not to write on every key, short enough that a crash loses at most a few words.
KEEP_AFTER_MS = 1500


class TypedDialog(QDialog):
    # What is lost if the worker discards, said in the question (e.g. "This safety review").
    what = "This form"
    # Said after the question, when something stays as it was (e.g. the plan in force).
    discard_note = ""
    # The kind of form draft this dialog keeps; None: what is typed is not kept (yet).
    form_kind: FormKind | None = None

    def __init__(self, ops: StoreOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._finished = False
        self._ops = ops
        # Subclasses put ``saving.label`` by their buttons and hold the buttons while a save runs.
        self.saving = Saving(self, ops)
        self._forms: FormDraftService | None = None
        self._draft_key: tuple[uuid.UUID | None, uuid.UUID | None] | None = None
        self._restoring = False
        self.restored_from: FormDraft | None = None
        self.restored_note = QLabel()
        self.restored_note.setObjectName("restored_draft")
        self.restored_note.setWordWrap(True)
        self.restored_note.setAccessibleName("Restored what you were typing")
        self.restored_note.setVisible(False)
        self._keep_timer = QTimer(self)
        self._keep_timer.setSingleShot(True)
        self._keep_timer.setInterval(KEEP_AFTER_MS)
        # While typing, the draft is kept on the write queue, so a sync holding the store never stalls the keys.
        self._keep_timer.timeout.connect(self._keep_draft_queued)
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            activated=self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

    def typed_text(self) -> list[str]:
        """Everything the worker typed or chose that would be lost on discarding."""
        raise NotImplementedError

    def save(self) -> None:
        raise NotImplementedError

    def has_unsaved_text(self) -> bool:
        return not self._finished and any(t.strip() for t in self.typed_text())

    # -- form drafts --------------------------------------------------------------------------------

    @property
    def draft_key(self) -> tuple[uuid.UUID | None, uuid.UUID | None] | None:
        """The person and subject whose form this is, once it keeps drafts."""
        return self._draft_key

    def draft_fields(self) -> dict[str, Any]:
        """What is typed and chosen, as JSON values, to bring the form back exactly."""
        raise NotImplementedError

    def restore_fields(self, fields: dict[str, Any]) -> None:
        """Put kept ``fields`` back in the form (a field this version does not know is ignored)."""
        raise NotImplementedError

    def track_draft(
        self, forms: FormDraftService, person_id: uuid.UUID | None, subject_id: uuid.UUID | None = None
    ) -> None:
        """Call last in the subclass's constructor: brings back a kept draft, then keeps what is typed. A team
        lead's form about the team has no person (``None``) and its own id as the subject."""
        assert self.form_kind is not None
        self._forms = forms
        self._draft_key = (person_id, subject_id)
        kept = forms.get(self.form_kind, person_id, subject_id)
        if kept is not None:
            self._restoring = True
            try:
                self.restore_fields(kept.fields)
            finally:
                self._restoring = False
            self.restored_from = kept
            self.restored_note.setText(f"<b>{kept.restored_message()}</b>")
            self.restored_note.setVisible(True)
        layout = self.layout()
        if isinstance(layout, QLayout) and hasattr(layout, "insertWidget"):
            layout.insertWidget(0, self.restored_note)
        self.watch(self)

    def watch(self, root: QWidget) -> None:
        """Keep a draft shortly after anything under ``root`` is typed or chosen."""
        for edit in root.findChildren(QLineEdit):
            if not isinstance(edit.parent(), (QComboBox, QDateTimeEdit)):
                edit.textChanged.connect(self.typed)
        for text in root.findChildren(QPlainTextEdit):
            text.textChanged.connect(self.typed)
        for button in root.findChildren(QAbstractButton):
            if button.isCheckable():
                button.toggled.connect(self.typed)
        for combo in root.findChildren(QComboBox):
            combo.currentIndexChanged.connect(self.typed)
        for when in root.findChildren(QDateTimeEdit):
            when.dateTimeChanged.connect(self.typed)

    def typed(self, *_: object) -> None:
        if self._forms is not None and not self._restoring and not self._finished:
            self._keep_timer.start()

    def keep_draft(self, *, at_lock: bool = False) -> bool:
        """Keep what is typed now (nothing typed: no draft). False if it could not be kept."""
        self._keep_timer.stop()
        if self._forms is None or self._draft_key is None or self.form_kind is None or self._finished:
            return True
        person_id, subject_id = self._draft_key
        try:
            if self.has_unsaved_text():
                self._forms.keep(self.form_kind, person_id, self.draft_fields(), subject_id, at_lock=at_lock)
            else:
                self._forms.discard(self.form_kind, person_id, subject_id)
        except Exception as exc:  # the type only: what was typed may be clinical
            log.warning("what was typed in a %s could not be kept: %s", self.form_kind.value, type(exc).__name__)
            return False
        return True

    def keep_draft_at_lock(self) -> bool:
        """At a full lock or quit: take what is typed now and keep it on the write queue, ahead of the
        store's closing (queued next), so a sync holding the store cannot cost the worker their text."""
        return self._keep_draft_queued(at_lock=True)

    def _keep_draft_queued(self, *, at_lock: bool = False) -> bool:
        """Take what is typed now and keep it on the write queue (serial: it lands before anything queued
        after it). True when there was typed text to keep."""
        self._keep_timer.stop()
        if self._forms is None or self._draft_key is None or self.form_kind is None or self._finished:
            return False
        typed = self.has_unsaved_text()
        forms, kind = self._forms, self.form_kind
        fields = self.draft_fields() if typed else None  # everything typed was deleted: the draft goes too
        person_id, subject_id = self._draft_key

        def keep() -> tuple[None, Changed]:
            if fields is None:
                forms.discard(kind, person_id, subject_id)
            else:
                forms.keep(kind, person_id, fields, subject_id, at_lock=at_lock)
            return None, Changed.NOTHING

        def not_kept(exc: Exception) -> None:  # the type only: what was typed may be clinical
            log.warning("what was typed in a %s could not be kept: %s", kind.value, type(exc).__name__)

        self._ops.run(keep, persons=[person_id] if person_id is not None else [], failed=not_kept)
        return typed

    def close_at_lock(self) -> bool:
        """A full lock or quit: keep what is typed (on the write queue, ahead of the store's closing) and close
        without asking anything, since a lock must never wait on a question. True when text was kept."""
        kept = self.keep_draft_at_lock() if self.has_unsaved_text() else False
        self._finished = True
        self.done(QDialog.DialogCode.Rejected)
        return kept

    def _drop_draft(self) -> None:
        self._keep_timer.stop()
        if self._forms is None or self._draft_key is None or self.form_kind is None:
            return
        try:
            self._forms.discard(self.form_kind, *self._draft_key)
        except Exception as exc:  # kept text left behind is shown again next time, never a lost record
            log.warning("a %s draft could not be removed: %s", self.form_kind.value, type(exc).__name__)

    # -- closing ------------------------------------------------------------------------------------

    def accept(self) -> None:
        self._drop_draft()  # saved: the record holds it now
        self._finished = True
        super().accept()

    def reject(self) -> None:
        if self.saving.active:
            return  # closes by itself once the save has landed
        if self.has_unsaved_text() and not self._confirm_discard():
            return
        self._drop_draft()  # the worker chose to discard it
        self._finished = True  # the worker chose to discard: do not ask twice
        super().reject()

    def done(self, result: int) -> None:
        # A lock closes the dialog with done() directly: the draft it kept stays, and no timer outlives it.
        self._keep_timer.stop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.saving.active:
            event.ignore()
            return
        if self.has_unsaved_text() and not self._confirm_discard():
            event.ignore()
            return
        if not self._finished:
            self._drop_draft()
        self._finished = True
        super().closeEvent(event)

    def _confirm_discard(self) -> bool:
        note = f" {self.discard_note}" if self.discard_note else ""
        answer = QMessageBox.question(
            self,
            "Discard what you typed?",
            f"{self.what} has not been saved. Discard what you typed?{note} To keep it, choose Cancel, then save "
            "(Ctrl+S).",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard
