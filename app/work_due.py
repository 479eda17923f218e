"""What is due first, for the work-due list (F6): by kind of work, then by how long it has been due.

The order is the missed-contact and escalation procedure's own, never a judgement of the person:
1. an open escalation or welfare check that has reached nobody yet (oldest first);
2. an overdue welfare check;
3. an overdue re-contact after a missed contact;
4. other overdue work (planned contacts, next actions, escalation follow-ups), by time due;
5. the rest of the work due (unsigned drafts, open work not yet due).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from storage.repo import work_due as work_due_repo
from storage.unit_of_work import Session


class DueKind(enum.IntEnum):
    ESCALATION_REACHED_NOBODY = 0
    WELFARE_CHECK_OVERDUE = 1
    RECONTACT_OVERDUE = 2
    OTHER_OVERDUE = 3
    NOTHING_OVERDUE = 4


@dataclass(frozen=True, slots=True)
class Due:
    kind: DueKind
    since: datetime | None  # since when it has been due (or the escalation identified)


_KINDS = {
    "unreached": DueKind.ESCALATION_REACHED_NOBODY,
    "welfare": DueKind.WELFARE_CHECK_OVERDUE,
    "recontact": DueKind.RECONTACT_OVERDUE,
    "overdue": DueKind.OTHER_OVERDUE,
}


def first_due(
    session: Session, person_ids: list[uuid.UUID], now: datetime, acting_contacts: Collection[str] = ()
) -> dict[uuid.UUID, Due]:
    """The most pressing work for each person who has any overdue (others are left out).
    ``acting_contacts``: the directory ids of contacts who can act on an escalation once reached."""
    found: dict[uuid.UUID, Due] = {}
    for what, pid, at in work_due_repo.due_times(session, person_ids, now, acting_contacts):
        kind = _KINDS[what]
        current = found.get(pid)
        if current is None or (kind, at) < (current.kind, current.since or now):
            found[pid] = Due(kind, at)
    return found
