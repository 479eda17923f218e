"""Which contact notes were marked entered in error: one clause for every query that asks what happened.

A note entered in error stays in the record (nothing is deleted), but what it says did not happen: it is not
the person's last contact, it does not meet a planned visit, and the next action it set is not owed.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from storage.models import ContactNote, NoteAmendment


def entered_in_error() -> ColumnElement[bool]:
    """True for a ``ContactNote`` row (correlated) that has an "entered in error" amendment."""
    return (
        select(NoteAmendment.id)
        .where(NoteAmendment.note_id == ContactNote.id, NoteAmendment.kind == "entered_in_error")
        .exists()
    )
