"""What is still on this laptop only, by person, for the worker who opens the unsent count.

Unsent escalations come first: an escalation recorded here has told nobody, and the worker must be able to
see at a glance which ones have not even reached the server yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

# The change-record types of sync/PROTOCOL.md, as a worker would name them.
LABELS = {
    "escalation_opened": "Escalation",
    "escalation_event": "Escalation step or action",
    "contact_note": "Contact note",
    "note_amendment": "Note amendment",
    "safety_review": "Safety review",
    "safety_plan_revision": "Safety plan version",
    "planned_contact": "Planned contact",
}
ESCALATION_TYPES = frozenset({"escalation_opened", "escalation_event"})
NOT_HELD = "A person no longer on this laptop"


@dataclass(frozen=True, slots=True)
class PendingRecord:
    record_type: str
    authored_at: datetime

    @property
    def label(self) -> str:
        return LABELS.get(self.record_type, self.record_type.replace("_", " ").capitalize())

    @property
    def is_escalation(self) -> bool:
        return self.record_type in ESCALATION_TYPES


@dataclass(frozen=True, slots=True)
class PendingPerson:
    person_id: uuid.UUID
    name: str
    records: tuple[PendingRecord, ...]

    @property
    def escalations(self) -> int:
        return sum(1 for r in self.records if r.is_escalation)


def group_pending(rows: Iterable[tuple[uuid.UUID, str | None, str, datetime]]) -> list[PendingPerson]:
    """Group (person, name, record type, authored at) rows by person: people with unsent escalations first
    (the longest waiting first), then everyone else by name; within a person, escalation records first,
    then the rest, each oldest first."""
    by_person: dict[uuid.UUID, tuple[str, list[PendingRecord]]] = {}
    for person_id, name, record_type, at in rows:
        by_person.setdefault(person_id, (name or NOT_HELD, []))[1].append(PendingRecord(record_type, at))
    people = [
        PendingPerson(pid, name, tuple(sorted(recs, key=lambda r: (not r.is_escalation, r.authored_at))))
        for pid, (name, recs) in by_person.items()
    ]

    def order(p: PendingPerson) -> tuple[bool, float, str]:
        first_escalation = min((r.authored_at for r in p.records if r.is_escalation), default=None)
        return (first_escalation is None, first_escalation.timestamp() if first_escalation else 0.0, p.name.lower())

    return sorted(people, key=order)
