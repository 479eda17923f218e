"""What a worker is told when a save fails: what happened, that nothing they typed is lost, what next."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import InvalidInput, StoreError, WaymarkError

log = logging.getLogger(__name__)


def explain_failed_save(parent: QWidget, what: str, exc: Exception) -> None:
    if isinstance(exc, InvalidInput):
        QMessageBox.warning(parent, f"{what} not saved yet", str(exc))
        return
    if isinstance(exc, (StoreError, WaymarkError)):
        detail = str(exc)
    else:
        # Only the exception's type reaches the log: its text could hold what the worker typed.
        log.error("save failed: %s", type(exc).__name__)
        detail = "Waymark could not write to this laptop's storage (it may be full, or locked)."
    QMessageBox.critical(
        parent,
        f"{what} not saved",
        f"{detail}\n\nNothing you typed is lost: it is still in the form. Try Save again; if it keeps failing, "
        "copy the text somewhere safe and contact support.",
    )
