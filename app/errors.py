"""Errors a worker can meet, written for them: what happened, whether anything was lost, what next."""

from __future__ import annotations

# Store failures (wrong passphrase, damaged files) are user-facing too; the UI meets them through app.
from storage.errors import StoreBusy as StoreBusy
from storage.errors import StoreError as StoreError
from storage.errors import WrongPassphrase as WrongPassphrase


class WaymarkError(Exception):
    """Base for user-facing errors; ``str()`` is shown as is and holds no personal data."""


class InvalidInput(WaymarkError):
    """A value the worker entered was refused. Nothing was saved; what they typed is kept."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}. Nothing was saved; correct it and save again.")


class NotFound(WaymarkError):
    pass


class RecordImmutable(WaymarkError):
    pass


class NotPermitted(WaymarkError):
    """The user's role may not do this. Nothing was saved or shown, and the attempt is in the audit trail."""
