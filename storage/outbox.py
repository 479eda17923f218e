"""The device's outbox: what was recorded here and has not yet been acknowledged by the server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Base, OutboxItem
from storage.serialise import row_to_dict


def enqueue(session: Session, row: Base, at: datetime) -> OutboxItem:
    """Add ``row``'s record to the outbox within the caller's transaction, so both commit or neither."""
    session.flush()  # assign defaults so the payload is exactly what was stored
    payload = row_to_dict(row)
    item = OutboxItem(
        record_id=getattr(row, "id"),  # noqa: B009 - every outbox-able table has an id column
        record_type=row.__tablename__,
        payload=payload,
        enqueued_at=at,
        acked_at=None,
    )
    session.add(item)
    return item


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.acked_at.is_(None))) or 0


def pending(session: Session) -> list[OutboxItem]:
    return list(session.scalars(select(OutboxItem).where(OutboxItem.acked_at.is_(None)).order_by(OutboxItem.seq)))
