"""Rows that cache what the records imply, and the one function that rebuilds them from the records.

Records (notes, amendments, plan revisions, escalations and their events) are the truth and sync; the
rows here are this device's projections of them: missed-contact episodes and each plan's head. Services
keep them in step as they write; ``rebuild`` recomputes them from the records alone, and a property test
holds the two equal. Escalation state (current step, reached anyone, follow-up, closed, outcome) is not
cached at all: ``escalations.escalation_state`` and ``pathways.walk`` fold it from the events on read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from app.missed_contacts import MissedContactService
from app.safety_plans import rebuild_plan_head
from storage.repo import device as device_repo
from storage.unit_of_work import Session


def rebuild(
    session: Session, missed_contacts: MissedContactService, person_ids: Iterable[uuid.UUID] | None = None
) -> None:
    """Recompute every projection for these persons (all on the device when None) in the caller's
    transaction. Writes no record, so it is safe to run at any time, on any device."""
    persons = list(person_ids) if person_ids is not None else device_repo.person_ids(session)
    for person_id in persons:
        missed_contacts.rebuild(session, person_id)
        rebuild_plan_head(session, person_id)
