"""Safety plans and their revisions."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Meta, SafetyPlan, SafetyPlanRevision


def plan_of(session: Session, person_id: uuid.UUID) -> SafetyPlan | None:
    return session.scalar(select(SafetyPlan).where(SafetyPlan.person_id == person_id))


def revisions_of(session: Session, person_id: uuid.UUID) -> list[SafetyPlanRevision]:
    """The person's plan revisions in the order recorded."""
    # Through the plan: revisions are indexed by plan, and a scan by person took 170 ms at 10,000 persons.
    return list(
        session.scalars(
            select(SafetyPlanRevision)
            .join(SafetyPlan, SafetyPlan.id == SafetyPlanRevision.plan_id)
            .where(SafetyPlan.person_id == person_id)
            .order_by(SafetyPlanRevision.created_at, SafetyPlanRevision.id)
        )
    )


def parents_of_revisions(session: Session, plan_id: uuid.UUID) -> list[tuple[uuid.UUID, list[Any]]]:
    """``(id, parent_ids)`` of the plan's revisions in the order recorded."""
    rows = session.execute(
        select(SafetyPlanRevision.id, SafetyPlanRevision.parent_ids)
        .where(SafetyPlanRevision.plan_id == plan_id)
        .order_by(SafetyPlanRevision.created_at, SafetyPlanRevision.id)
    )
    return [(rid, parents) for rid, parents in rows]


# The server's word on each plan (its head and open conflicts, PROTOCOL.md §2.5 ``plan_state``), as last
# heard by sync. Kept beside the sync state, not as a record: it is the server's view, replaced whole each
# time it changes, and a store that never synced has none.
PLAN_STATE_PREFIX = "sync.plan_state."


def server_plan_state(session: Session, plan_id: uuid.UUID) -> dict[str, Any] | None:
    row = session.get(Meta, f"{PLAN_STATE_PREFIX}{plan_id}")
    return json.loads(row.value) if row is not None else None


def save_server_plan_state(session: Session, plan_id: uuid.UUID, state: dict[str, Any]) -> None:
    session.merge(Meta(key=f"{PLAN_STATE_PREFIX}{plan_id}", value=json.dumps(state, sort_keys=True)))


def forget_server_plan_state(session: Session, plan_ids: list[uuid.UUID]) -> None:
    for plan_id in plan_ids:
        row = session.get(Meta, f"{PLAN_STATE_PREFIX}{plan_id}")
        if row is not None:
            session.delete(row)
