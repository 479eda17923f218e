"""Escalations (and welfare checks) and their events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Escalation, EscalationAction


def of_person(session: Session, person_id: uuid.UUID) -> list[Escalation]:
    """The person's escalations and welfare checks, newest identified first."""
    return list(
        session.scalars(
            select(Escalation).where(Escalation.person_id == person_id).order_by(Escalation.identified_at.desc())
        )
    )


def all_newest_first(session: Session) -> list[Escalation]:
    """Every escalation and welfare check on this device, newest identified first."""
    return list(session.scalars(select(Escalation).order_by(Escalation.identified_at.desc())))


def open_ids(session: Session) -> list[uuid.UUID]:
    """Every escalation and welfare check on this device not closed yet, oldest identified first."""
    closed = (
        select(EscalationAction.id)
        .where(EscalationAction.escalation_id == Escalation.id, EscalationAction.kind == "closed")
        .exists()
    )
    return list(session.scalars(select(Escalation.id).where(~closed).order_by(Escalation.identified_at)))


def events_of(session: Session, escalation_id: uuid.UUID) -> list[EscalationAction]:
    """The escalation's events in the order they were recorded."""
    return list(
        session.scalars(
            select(EscalationAction)
            .where(EscalationAction.escalation_id == escalation_id)
            .order_by(EscalationAction.created_at, EscalationAction.id)
        )
    )


def welfare_checks(session: Session, person_id: uuid.UUID) -> list[tuple[uuid.UUID, datetime, list[Any]]]:
    """``(id, identified_at, cause)`` of the person's welfare checks, in the order they were raised."""
    rows = session.execute(
        select(Escalation.id, Escalation.identified_at, Escalation.cause)
        .where(Escalation.person_id == person_id, Escalation.kind == "welfare-check")
        .order_by(Escalation.created_at, Escalation.id)
    )
    return [(i, at, cause) for i, at, cause in rows]
