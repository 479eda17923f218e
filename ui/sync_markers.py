"""Whether a record has reached the server, said on the record itself, in words (never a colour alone)."""

from __future__ import annotations

ON_THIS_LAPTOP_ONLY = "on this laptop only"
SENT = "sent"


def sync_marker(unsent: bool) -> str:
    """A short tag after a record's heading: 'on this laptop only' until the server has acknowledged it."""
    if unsent:
        return f" · <span class='unsent'><b>{ON_THIS_LAPTOP_ONLY}</b></span>"
    return f" · <span class='sent'>{SENT}</span>"
