"""The device's outbox: its change log, one entry per record, kept until the server acknowledges it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import records
from storage.models import Base, OutboxItem, Person
from storage.serialise import json_value


def enqueue(session: Session, row: Base, at: datetime) -> OutboxItem:
    """Add ``row``'s change record within the caller's transaction, so both commit or neither."""
    session.flush()  # assign defaults so the payload is exactly what was stored
    return add_envelope(session, records.envelope(row), at)


def add_envelope(session: Session, body: dict[str, Any], at: datetime) -> OutboxItem:
    item = OutboxItem(
        record_id=uuid.UUID(body["record_id"]),
        record_type=body["record_type"],
        schema_version=body["schema_version"],
        person_id=uuid.UUID(body["person_id"]),
        author_id=uuid.UUID(body["author_id"]),
        device_id=uuid.UUID(body["device_id"]),
        authored_at=datetime.fromisoformat(body["authored_at"]),
        refers_to=uuid.UUID(body["refers_to"]) if body["refers_to"] else None,
        payload=body["payload"],
        sha256=records.sha256(body),
        enqueued_at=at,
        acked_at=None,
    )
    session.add(item)
    return item


def wire(item: OutboxItem) -> dict[str, Any]:
    """The entry as it travels (PROTOCOL.md §1.1), with its sequence number and hash."""
    return {
        "seq": item.seq,
        "record_id": json_value(item.record_id),
        "record_type": item.record_type,
        "schema_version": item.schema_version,
        "person_id": json_value(item.person_id),
        "author_id": json_value(item.author_id),
        "device_id": json_value(item.device_id),
        "authored_at": json_value(item.authored_at),
        "refers_to": json_value(item.refers_to),
        "payload": item.payload,
        "sha256": item.sha256,
    }


def pending_count(session: Session, after_seq: int = 0) -> int:
    """Unacknowledged items (only those numbered after ``after_seq``, when given)."""
    query = select(func.count()).select_from(OutboxItem).where(OutboxItem.acked_at.is_(None))
    return session.scalar(query.where(OutboxItem.seq > after_seq)) or 0


ESCALATION_RECORD_TYPES = ("escalation_opened", "escalation_event")


def pending_escalations(session: Session) -> int:
    """Escalations with anything unacknowledged (the opening, or steps recorded since it was sent), each
    counted once: what nobody beyond this laptop knows of yet. A lead reads "2" as two escalations, so an
    escalation's steps are not counted apart from it."""
    query = select(OutboxItem.record_type, OutboxItem.record_id, OutboxItem.refers_to).where(
        OutboxItem.acked_at.is_(None), OutboxItem.record_type.in_(ESCALATION_RECORD_TYPES)
    )
    # An opening is its own escalation; a step names its escalation in refers_to.
    return len(
        {
            record_id if kind == "escalation_opened" else refers_to
            for kind, record_id, refers_to in session.execute(query)
        }
    )


def last_seq(session: Session) -> int:
    return session.scalar(select(func.max(OutboxItem.seq))) or 0


def pending(session: Session) -> list[OutboxItem]:
    return list(session.scalars(select(OutboxItem).where(OutboxItem.acked_at.is_(None)).order_by(OutboxItem.seq)))


def pending_of_person(session: Session, person_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
    """The person's unacknowledged records: each record id with the id of the record it refers to (an
    escalation's events name the escalation; an amendment, its note)."""
    query = select(OutboxItem.record_id, OutboxItem.refers_to).where(
        OutboxItem.acked_at.is_(None), OutboxItem.person_id == person_id
    )
    return {record_id: refers_to for record_id, refers_to in session.execute(query)}


def pending_with_names(session: Session) -> list[tuple[uuid.UUID, str | None, str, datetime]]:
    """Every unacknowledged record as (person id, person's preferred name, record type, authored at), in
    the order they were made. The name is None for a person no longer held here."""
    query = (
        select(OutboxItem.person_id, Person.preferred_name, OutboxItem.record_type, OutboxItem.authored_at)
        .outerjoin(Person, Person.id == OutboxItem.person_id)
        .where(OutboxItem.acked_at.is_(None))
        .order_by(OutboxItem.seq)
    )
    return [(pid, name, kind, at) for pid, name, kind, at in session.execute(query)]
