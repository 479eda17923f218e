"""The server's append-only, hash-chained audit log: who, device, what, when — never clinical text."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sync.protocol import canonical_bytes
from sync.server.keys import GENESIS
from sync.server.models import AuditEvent, AuditHead


@dataclass(frozen=True)
class Entry:
    action: str
    outcome: str
    actor_user_id: uuid.UUID | None
    device_id: uuid.UUID | None
    person_id: uuid.UUID | None = None
    record_id: uuid.UUID | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def _digest(prev_hash: str, event_id: int, at: datetime, entry: Entry) -> str:
    body = {
        "id": event_id,
        "at": at.isoformat(),
        "action": entry.action,
        "outcome": entry.outcome,
        "actor": str(entry.actor_user_id) if entry.actor_user_id else None,
        "device": str(entry.device_id) if entry.device_id else None,
        "person": str(entry.person_id) if entry.person_id else None,
        "record": str(entry.record_id) if entry.record_id else None,
        "detail": entry.detail,
    }
    return hashlib.sha256(prev_hash.encode() + canonical_bytes(body)).hexdigest()


def append(session: Session, at: datetime, entries: list[Entry]) -> None:
    """Append within the caller's transaction. Callers take the change counter first, this last, always
    in that order, so two transactions never wait on each other crosswise."""
    if not entries:
        return
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    last_id, last_hash = head.last_id, head.last_hash
    rows = []
    for entry in entries:
        last_id += 1
        digest = _digest(last_hash, last_id, at, entry)
        rows.append(
            {
                "id": last_id,
                "at": at,
                "actor_user_id": entry.actor_user_id,
                "device_id": entry.device_id,
                "action": entry.action,
                "outcome": entry.outcome,
                "person_id": entry.person_id,
                "record_id": entry.record_id,
                "detail": entry.detail,
                "prev_hash": last_hash,
                "hash": digest,
            }
        )
        last_hash = digest
    session.execute(insert(AuditEvent), rows)
    head.last_id, head.last_hash = last_id, last_hash


def verify(session: Session) -> int | None:
    """The id of the first event whose chain link is broken, or None when the whole chain holds."""
    prev = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        entry = Entry(
            event.action,
            event.outcome,
            event.actor_user_id,
            event.device_id,
            event.person_id,
            event.record_id,
            event.detail,
        )
        if event.prev_hash != prev or _digest(prev, event.id, event.at, entry) != event.hash:
            return event.id
        prev = event.hash
    return None
