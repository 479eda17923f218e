"""Failures of the local store, each carrying text a worker or support person can act on."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every store failure. ``str(exc)`` is safe to show and to log: no personal data."""


class NotAStore(StoreError):
    pass


class WrongPassphrase(StoreError):
    pass


class KeyFileDamaged(StoreError):
    """The key file is unreadable, truncated, or was altered (including its KDF parameters)."""


class DatabaseDamaged(StoreError):
    """The database failed its integrity check: a page was altered, truncated or is unreadable."""


class EncryptionUnavailable(StoreError):
    """The SQLCipher build is missing or does not encrypt; Waymark refuses to store data."""


class StoreTooNew(StoreError):
    pass


class StoreExists(StoreError):
    pass


class KeyFileMismatch(StoreError):
    """The key file belongs to another store than the database beside it."""


class RecordsMissing(StoreError):
    """The database is behind the sealed record of its latest state, or was altered: records are missing."""


class StoreBusy(StoreError):
    """Another writer (a second copy of a connection, another process) held the write lock past the busy
    timeout. The transaction was rolled back whole, so the same write can simply be tried again."""
