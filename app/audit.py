"""The device's audit trail: who viewed, wrote, exported or unlocked what, and when.

Append-only and hash-chained: each event's hash covers the previous one, so removing or editing an
event breaks the chain from that point on. The chain is keyed (HMAC-SHA-256 under the store's audit key,
kept inside the encrypted database), so an event rewritten with SQL cannot be given a hash that fits;
events written before a store had that key stay plain SHA-256 and are verified as such. Events hold ids
and verbs only, never clinical text.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ids import new_id
from storage.models import AuditEvent, Meta
from storage.serialise import json_value
from storage.store import AUDIT_KEY, READ_ONLY

GENESIS = "0" * 64


class AuditAction(enum.StrEnum):
    LOGIN = "login"
    VIEW = "view"
    CREATE = "create"
    SIGN = "sign"
    AMEND = "amend"
    EXPORT = "export"
    SHARE = "share"  # information shared with someone outside the record (an escalation action's share)
    PASSPHRASE_CHANGED = "passphrase_changed"
    REKEYED = "rekeyed"
    REFUSED = "refused"  # the user's role may not do what was asked (nothing was written or shown)
    REMOVED = "removed"  # a person's copy taken off this device (out of scope, everything of theirs sent)


@dataclass(frozen=True, slots=True)
class Actor:
    staff_id: uuid.UUID | None
    device_id: uuid.UUID | None


def _event_hash(prev_hash: str, event: AuditEvent, key: bytes | None = None) -> str:
    body = {
        "id": str(event.id),
        "at": json_value(event.at),
        "actor_id": json_value(event.actor_id),
        "device_id": json_value(event.device_id),
        "action": event.action,
        "record_type": event.record_type,
        "record_id": event.record_id,
    }
    message = (prev_hash + json.dumps(body, sort_keys=True)).encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _key(session: Session) -> bytes | None:
    key = session.info.get(AUDIT_KEY)
    return key if isinstance(key, bytes) else None


def _keyed_from(session: Session) -> int:
    value = session.get(Meta, "audit_keyed_from")
    return int(value.value) if value is not None else 1


def append(
    session: Session,
    actor: Actor,
    action: AuditAction,
    at: datetime,
    record_type: str | None = None,
    record_id: uuid.UUID | str | None = None,
) -> AuditEvent:
    """Add an event to the chain within the caller's transaction.

    A store frozen because records were found missing (``Store.problem``) takes no writes, so there the
    event is built but not stored: the worker must still be able to read the plan and the contacts.
    """
    frozen = session.info.get(READ_ONLY)
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    prev = last or GENESIS
    event = AuditEvent(
        id=new_id(),
        at=at,
        actor_id=actor.staff_id,
        device_id=actor.device_id,
        action=action.value,
        record_type=record_type,
        record_id=str(record_id) if record_id is not None else None,
        prev_hash=prev,
        hash="",
    )
    event.hash = _event_hash(prev, event, _key(session))
    if isinstance(frozen, threading.Event) and frozen.is_set():
        return event
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> int | None:
    """The seq of the first event whose hash does not follow from its predecessor, or None if intact."""
    key = _key(session)
    keyed_from = _keyed_from(session) if key is not None else None
    prev = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        event_key = key if keyed_from is not None and event.seq >= keyed_from else None
        if event.prev_hash != prev or not hmac.compare_digest(event.hash, _event_hash(prev, event, event_key)):
            return event.seq
        prev = event.hash
    return None
