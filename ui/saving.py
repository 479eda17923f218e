"""A dialog's save in progress: the form stays as typed and says it is saving until the save has landed.

The save itself runs on the store's write queue (ui/operations.py); the dialog's buttons are held while
it does, so a second press cannot record the same thing twice, and the dialog closes (or explains what
went wrong, keeping every word) only when the queue answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from PySide6.QtWidgets import QLabel, QWidget

from app.changes import Changed
from ui.operations import StoreOps
from ui.save_errors import explain_failed_save

T = TypeVar("T")

SAVING = "Saving…"
WAITING = (
    "Still saving: this laptop's records are busy with another task (a sync). Nothing you typed is lost; "
    "this closes by itself once it is saved."
)


class Saving:
    def __init__(self, dialog: QWidget, ops: StoreOps, controls: Sequence[QWidget] = ()) -> None:
        self._dialog = dialog
        self._ops = ops
        self._controls = list(controls)
        self.label = QLabel()
        self.label.setObjectName("save_progress")
        self.label.setAccessibleName("Save progress")
        self.label.setWordWrap(True)
        self.label.setVisible(False)
        self.active = False

    def hold(self, *controls: QWidget) -> None:
        """Also disable these while a save runs."""
        self._controls.extend(controls)

    def run(
        self,
        what: str,
        work: Callable[[], tuple[T, Changed]],
        *,
        persons: Iterable[uuid.UUID],
        succeeded: Callable[[T], object],
        failed: Callable[[Exception], object] | None = None,
    ) -> bool:
        """Queue the save; False (and nothing queued) when one is already under way."""
        if self.active:
            return False
        self.active = True
        self.label.setText(SAVING)
        self.label.setVisible(True)
        enabled = [c for c in self._controls if c.isEnabled()]
        for control in enabled:
            control.setEnabled(False)

        def finish() -> None:
            self.active = False
            self.label.setVisible(False)
            for control in enabled:
                control.setEnabled(True)

        def done(result: T) -> None:
            finish()
            succeeded(result)

        def refused(exc: Exception) -> None:
            finish()
            if failed is not None:
                failed(exc)
            else:
                explain_failed_save(self._dialog, what, exc)

        self._ops.run(
            work,
            persons=persons,
            initiator=self._dialog,
            succeeded=done,
            failed=refused,
            waiting=lambda: self.label.setText(WAITING),
        )
        return True
