"""The one SQL statement of "a follow-up is overdue", shared by the caseload's counts and the work-due order so
the two can never disagree: the latest follow-up set on an escalation, open or closed, is due until a
"follow-up done" is recorded after it (issue 9, finding 6); events fold in recorded order."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass

from storage.models import EscalationAction


def overdue_follow_ups(
    person_ids: Collection[uuid.UUID] | Select[tuple[uuid.UUID]], now: datetime
) -> tuple[AliasedClass[EscalationAction], ColumnElement[bool]]:
    """The follow-up event alias and the condition that it is overdue now, for the caller's select.

    ``person_ids`` is a list or a subquery of person ids (the caseload passes its assignments)."""
    follow_up, other = aliased(EscalationAction), aliased(EscalationAction)

    def after(kind: str) -> ColumnElement[bool]:
        return (
            select(other.id)
            .where(
                other.escalation_id == follow_up.escalation_id,
                other.kind == kind,
                or_(
                    other.created_at > follow_up.created_at,
                    and_(other.created_at == follow_up.created_at, other.id > follow_up.id),
                ),
            )
            .exists()
        )

    condition = and_(
        follow_up.person_id.in_(person_ids),
        follow_up.kind == "follow_up",
        follow_up.due < now,
        ~after("follow_up"),
        ~after("follow_up_done"),
    )
    return follow_up, condition
