"""Agreed actions of supervisions and learning reviews, tracked to completion: open, overdue, done, cancelled.

Pure functions over plain values (no store, no Qt), so the device and the server fold the same records to
the same answer. An action is agreed inside the record that agreed it and closed only by a later
``action_update`` record; nothing is ever changed in place. The first update that closes an action stands
(a second is kept on record but changes nothing), as the first ``closed`` event closes an escalation.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class ActionStatus(enum.StrEnum):
    """What an ``action_update`` record says (its ``status`` on the wire)."""

    DONE = "done"
    CANCELLED = "cancelled"


class ActionState(enum.StrEnum):
    OPEN = "open"  # agreed, not closed, due today or later
    OVERDUE = "overdue"  # agreed, not closed, its due date has passed
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"open": "Open", "overdue": "Overdue", "done": "Done", "cancelled": "Cancelled"}[self.value]


@dataclass(frozen=True, slots=True)
class AgreedAction:
    """One action as agreed in a supervision or learning review (the ``actions`` items on the wire)."""

    action_id: uuid.UUID
    action: str = field(repr=False)
    owner: str = field(repr=False)
    due: date
    owner_id: uuid.UUID | None = None

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> AgreedAction:
        owner_id = doc.get("owner_id")
        return cls(
            uuid.UUID(str(doc["action_id"])),
            str(doc["action"]),
            str(doc["owner"]),
            date.fromisoformat(str(doc["due"])),
            uuid.UUID(str(owner_id)) if owner_id else None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "action_id": str(self.action_id),
            "action": self.action,
            "owner": self.owner,
            "owner_id": str(self.owner_id) if self.owner_id else None,
            "due": self.due.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class ActionSource:
    """A supervision or learning review, as far as its actions go."""

    source_id: uuid.UUID
    source_type: str  # "supervision" or "learning_review"
    person_id: uuid.UUID
    agreed_at: datetime
    actions: Sequence[AgreedAction]


@dataclass(frozen=True, slots=True)
class Update:
    """An ``action_update`` record. ``at`` is when the action was done or cancelled."""

    update_id: uuid.UUID
    source_id: uuid.UUID
    action_id: uuid.UUID
    status: ActionStatus
    at: datetime
    note: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class TrackedAction:
    source_id: uuid.UUID
    source_type: str
    person_id: uuid.UUID
    agreed_at: datetime
    action: AgreedAction
    state: ActionState
    closed_by: uuid.UUID | None  # the action_update record that closed it: the evidence behind "done"
    closed_at: datetime | None

    @property
    def is_closed(self) -> bool:
        return self.state in (ActionState.DONE, ActionState.CANCELLED)

    @property
    def done_by_due(self) -> bool | None:
        """Whether a done action was done on or before its due date; None while open or if cancelled."""
        if self.state is not ActionState.DONE or self.closed_at is None:
            return None
        return self.closed_at.date() <= self.action.due


def state_of(due: date, closing: ActionStatus | None, today: date) -> ActionState:
    """One action's state: closed by its first update, otherwise overdue once ``today`` is past ``due``."""
    if closing is ActionStatus.DONE:
        return ActionState.DONE
    if closing is ActionStatus.CANCELLED:
        return ActionState.CANCELLED
    return ActionState.OVERDUE if today > due else ActionState.OPEN


def track(sources: Iterable[ActionSource], updates: Iterable[Update], today: date) -> list[TrackedAction]:
    """Every agreed action with its state on ``today``, in agreed order (source time, then as listed).

    ``updates`` are taken in the order given, which must be the order they were recorded: for each action
    only the first counts. An update naming an action its source never agreed is ignored here (the write
    path refuses to make one).
    """
    first: dict[tuple[uuid.UUID, uuid.UUID], Update] = {}
    for update in updates:
        first.setdefault((update.source_id, update.action_id), update)
    tracked: list[TrackedAction] = []
    for source in sorted(sources, key=lambda s: (s.agreed_at, str(s.source_id))):
        for action in source.actions:
            closing = first.get((source.source_id, action.action_id))
            tracked.append(
                TrackedAction(
                    source.source_id,
                    source.source_type,
                    source.person_id,
                    source.agreed_at,
                    action,
                    state_of(action.due, closing.status if closing else None, today),
                    closing.update_id if closing else None,
                    closing.at if closing else None,
                )
            )
    return tracked


def counts(tracked: Iterable[TrackedAction]) -> dict[ActionState, int]:
    """How many actions are in each state (every state present, zero or not)."""
    totals = dict.fromkeys(ActionState, 0)
    for action in tracked:
        totals[action.state] += 1
    return totals
