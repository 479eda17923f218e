"""Saves run on the store's write queue: a test waits for the one it started to land (or be refused)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtTest import QTest


def wait_saved(qtbot: Any, *dialogs: Any, timeout: int = 10_000) -> None:
    """Wait on the real signal that the save has answered: the dialog is no longer saving. ``qtbot`` may
    be None in helpers that have none (the wait is the same loop qtbot.waitUntil runs)."""
    if qtbot is not None:
        qtbot.waitUntil(lambda: not any(d.saving.active for d in dialogs), timeout=timeout)
        return
    deadline = time.monotonic() + timeout / 1000
    while any(d.saving.active for d in dialogs):
        assert time.monotonic() < deadline, "the save did not answer in time"
        QTest.qWait(10)
