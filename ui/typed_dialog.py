"""A dialog holding typed text: Escape, Cancel and the close box ask before discarding it; Ctrl+S saves."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from ui.operations import StoreOps
from ui.saving import Saving


class TypedDialog(QDialog):
    # What is lost if the worker discards, said in the question (e.g. "This safety review").
    what = "This form"

    def __init__(self, ops: StoreOps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._finished = False
        # Subclasses put ``saving.label`` by their buttons and hold the buttons while a save runs.
        self.saving = Saving(self, ops)
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

    def accept(self) -> None:
        self._finished = True
        super().accept()

    def reject(self) -> None:
        if self.saving.active:
            return  # closes by itself once the save has landed
        if self.has_unsaved_text() and not self._confirm_discard():
            return
        self._finished = True  # the worker chose to discard: do not ask twice
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.saving.active:
            event.ignore()
            return
        if self.has_unsaved_text() and not self._confirm_discard():
            event.ignore()
            return
        self._finished = True
        super().closeEvent(event)

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Discard what you typed?",
            f"{self.what} has not been saved. Discard what you typed? To keep it, choose Cancel, then save (Ctrl+S).",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard
