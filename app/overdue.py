"""What work is overdue for one person, from the records alone.

The caseload lists thousands of persons, so ``storage.caseload_query`` computes the same rule in bulk SQL;
this is the rule itself, for one person, for anything that holds the records but not that query (the sync
server, a team lead's view). A test holds the two equal over the demo caseload.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PlannedFact:
    id: uuid.UUID
    due_at: datetime
    window_end: datetime | None = None  # planned as a window: overdue only once it has closed
    ended: bool = False  # a change record rescheduled or cancelled it


@dataclass(frozen=True, slots=True)
class NoteFact:
    contact_end: datetime
    planned_contact_id: uuid.UUID | None
    next_action_due: datetime | None


@dataclass(frozen=True, slots=True)
class Overdue:
    planned_contacts: int  # planned contacts past due that no note has met
    next_action: bool  # the latest note set a next action that is now past due
    follow_ups: int = 0  # escalation follow-ups past due and not recorded as done, open or closed

    @property
    def count(self) -> int:
        return self.planned_contacts + int(self.next_action) + self.follow_ups


def overdue(
    planned: Iterable[PlannedFact],
    notes: Iterable[NoteFact],
    now: datetime,
    follow_ups_due: Iterable[datetime] = (),
) -> Overdue:
    """``follow_ups_due``: each escalation's standing follow-up due time that is not yet done
    (``Escalation.follow_up_overdue_at``)."""
    notes = list(notes)
    met = {n.planned_contact_id for n in notes if n.planned_contact_id is not None}
    late = sum(1 for p in planned if p.id not in met and not p.ended and (p.window_end or p.due_at) < now)
    latest = max((n.contact_end for n in notes), default=None)
    action = any(n.contact_end == latest and n.next_action_due is not None and n.next_action_due < now for n in notes)
    return Overdue(late, action, sum(1 for due in follow_ups_due if due < now))
