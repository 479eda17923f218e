"""What a service call changed, so each view decides for itself whether to refresh."""

from __future__ import annotations

import enum


class Changed(enum.Flag):
    NOTHING = 0
    CASELOAD = enum.auto()
    PERSON = enum.auto()
    ESCALATIONS = enum.auto()
    OUTBOX = enum.auto()
