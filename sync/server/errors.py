"""A refusal the API answers with: an HTTP status, a machine-readable reason, and plain words."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, reason: str, message: str, expected_seq: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.message = message
        self.expected_seq = expected_seq


class SettingsError(Exception):
    """A server setting or key that cannot be used: one line saying which and what to do."""
