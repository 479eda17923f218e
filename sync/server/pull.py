"""Reading for a device: the change feed after a cursor, and a person's snapshot, both limited to what
the caller may see at the moment of the request."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from sync.server import audit, scope
from sync.server.models import Change, ChangeCounter, PlanConflict, PlanHead, Record, User
from sync.server.push import conflict_wire, record_wire


def high_water(session: Session, organisation_id: uuid.UUID) -> int:
    return session.scalars(select(ChangeCounter.value).where(ChangeCounter.organisation_id == organisation_id)).one()


def pull(
    session: Session, user: User, device_id: uuid.UUID, after: int, limit: int, max_bytes: int, now: datetime
) -> tuple[list[dict[str, Any]], int, bool, int, list[uuid.UUID]]:
    """Changes after ``after``; returns them (``Change``'s fields, as JSON values), the seq to resume from,
    whether more remain, the high water mark and the persons visible now.

    The high water is read first: the counter and its changes commit together, so every change up to it
    is already visible to the query that follows, and a resume point up to it can skip nothing.
    """
    top = high_water(session, user.organisation_id)
    visible = scope.visible(user, now)
    # Plain column tuples rather than ORM objects: a page is thousands of rows, read once.
    record_columns = [column for column in Record.__table__.columns]
    rows = session.execute(
        select(Change.seq, Change.entity, Change.person_id, Change.entity_id, Change.data, *record_columns)
        .outerjoin(Record, and_(Change.entity == "record", Record.record_id == Change.entity_id))
        .where(
            Change.organisation_id == user.organisation_id,
            Change.seq > after,
            Change.seq <= top,
            or_(Change.person_id.in_(visible), Change.recipient_user_id == user.id),
        )
        .order_by(Change.seq)
        .limit(limit + 1)
    ).all()
    keys = [column.key for column in record_columns]
    # Plain dicts in Change's field order, sent as they are: a page is up to 1,000 changes, and a pydantic model
    # for each (two ids through a Python validator apiece) was the largest part of a page's time after the query.
    changes: list[dict[str, Any]] = []
    size = 0
    for row in rows[:limit]:
        seq, entity, person_id, entity_id, data = row[:5]
        if row[5] is not None:
            data = record_wire(dict(zip(keys, row[5:], strict=True)))
        size += len(to_json(data))  # pydantic's serialiser: the stdlib's cost more than the query
        if changes and size > max_bytes:
            break
        changes.append(
            {
                "seq": seq,
                "entity": entity,
                "person_id": str(person_id) if person_id is not None else None,
                "entity_id": str(entity_id),
                "data": data,
            }
        )
    has_more = len(changes) < len(rows)
    resume = changes[-1]["seq"] if has_more else max(after, top)
    return changes, resume, has_more, top, sorted(scope.visible_ids(session, user, now))


def read_audit(user: User, device_id: uuid.UUID, changes: list[dict[str, Any]]) -> list[audit.Entry]:
    """One ``record.read`` event per person whose records a page carries (written before the page is sent)."""
    read_per_person = Counter(c["person_id"] for c in changes if c["entity"] == "record" and c["person_id"])
    return [
        audit.Entry("record.read", "pulled", user.id, device_id, uuid.UUID(person), None, {"records": count})
        for person, count in sorted(read_per_person.items())
    ]


def snapshot(
    session: Session, person_id: uuid.UUID, as_of: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], int, str]:
    """Every record of one person, with its plans and open conflicts, as of the current high water."""
    records = session.scalars(
        select(Record).where(Record.person_id == person_id, Record.server_seq <= as_of).order_by(Record.server_seq)
    ).all()
    wire = [record_wire(_columns(r)) for r in records]
    plans = [
        {"plan_id": str(h.plan_id), "head_revision_id": str(h.head_revision_id), "state": h.state}
        for h in session.scalars(select(PlanHead).where(PlanHead.person_id == person_id))
    ]
    conflicts = [
        conflict_wire(c)
        for c in session.scalars(
            select(PlanConflict).where(PlanConflict.person_id == person_id, PlanConflict.status == "open")
        )
    ]
    return wire, plans, conflicts, len(wire), digest(wire)


def _columns(record: Record) -> dict[str, Any]:
    return {column.key: getattr(record, column.key) for column in Record.__table__.columns}


def digest(records: list[dict[str, Any]]) -> str:
    """Per-person integrity check the client can recompute from its mirror."""
    lines = sorted(f"{r['record_id']}:{r['sha256']}" for r in records)
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()
