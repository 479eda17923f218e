"""What a service call changed, so each view decides for itself whether to refresh (as Anki's OpChanges).

A service returns its ``Changed`` flags; the UI adds the persons the change concerns and sends both
through one hook (``ui/operations.py``). The per-area flags let an open person view redraw only the part
that changed; ``PERSON`` alone means the person's summary (the missed-contact prompt); ``REMOTE`` marks
records that arrived from elsewhere (sync's receive path), not from this window.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass


class Changed(enum.Flag):
    NOTHING = 0
    CASELOAD = enum.auto()
    PERSON = enum.auto()
    ESCALATIONS = enum.auto()
    OUTBOX = enum.auto()
    NOTES = enum.auto()  # contact notes, drafts and amendments
    PLAN = enum.auto()  # safety plan revisions
    REVIEWS = enum.auto()
    PLANNED = enum.auto()  # planned contacts
    REMOTE = enum.auto()  # arrived from the server, written on another device


# Every flag that says part of a person's record changed: what records from the server may touch.
ANY_RECORD = (
    Changed.PERSON
    | Changed.NOTES
    | Changed.PLAN
    | Changed.REVIEWS
    | Changed.ESCALATIONS
    | Changed.PLANNED
    | Changed.CASELOAD
)

# Which part of a person's record each table is, for the flags a write reports without being told.
AREA_OF_TABLE = {
    # A note (or its marking as entered in error) moves the caseload's last contact and next action.
    "contact_note": Changed.NOTES | Changed.CASELOAD,
    "note_amendment": Changed.NOTES | Changed.CASELOAD,
    "safety_plan_revision": Changed.PLAN,
    "safety_plan": Changed.PLAN,
    "safety_review": Changed.REVIEWS,
    "escalation": Changed.ESCALATIONS | Changed.CASELOAD,
    "escalation_action": Changed.ESCALATIONS,
    "missed_contact_episode": Changed.PERSON | Changed.CASELOAD,
    "planned_contact": Changed.PLANNED | Changed.CASELOAD,
}


@dataclass(frozen=True, slots=True)
class OpChanges:
    """One operation's effect: what changed, for whom (empty: possibly anyone), and who did it, so the
    view that made the change need not redraw over itself."""

    changed: Changed
    persons: frozenset[uuid.UUID] = frozenset()
    initiator: object | None = None

    def touches(self, person_id: uuid.UUID) -> bool:
        return not self.persons or person_id in self.persons


def changed_by_tables(tables: set[str]) -> Changed:
    """What records of these kinds (arrived from the server) change, for the views to refresh."""
    changed = Changed(0)
    for table in tables:
        changed |= AREA_OF_TABLE.get(table, ANY_RECORD)
    return changed
