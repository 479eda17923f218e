"""Applying a device's push: each outbox entry stored exactly once, answered per item, nothing dropped.

One transaction per batch. It first takes the organisation's change-counter row, so it holds the
organisation's write lock from its first read to its commit: the reads it decides on (ledger, record
ids, plan heads) cannot go stale, and change sequence order is commit order (sync-reference.md b3).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.ids import WAYMARK_NAMESPACE, derived_id
from sync.protocol import MAX_PAYLOAD_BYTES, SCHEMA_VERSIONS, ChangeRecord, PushRequest, RejectReason
from sync.server import audit, bulk, scope
from sync.server.errors import ApiError
from sync.server.models import (
    Change,
    ChangeCounter,
    Device,
    Person,
    PlanConflict,
    PlanHead,
    PushLedger,
    Quarantine,
    Record,
    User,
)


@dataclass
class _Batch:
    """What one push transaction has decided so far."""

    organisation_id: uuid.UUID
    now: datetime
    seq: int
    user_id: uuid.UUID | None = None
    device_id: uuid.UUID | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    audit: list[audit.Entry] = field(default_factory=list)
    # Keyed by record or person id as the wire's text (ChangeRecord keeps ids as text).
    batch_records: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Looked up once per request rather than once per item: stored records the items name, and persons.
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    persons: dict[str, Person | None] = field(default_factory=dict)
    # Record ids written, per person: one audit event per person per request names them all.
    written: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    rejected_ids: set[str] = field(default_factory=set)
    uuids: dict[str, uuid.UUID] = field(default_factory=dict)

    def uuid(self, text: str) -> uuid.UUID:
        """The UUID of an id's text, made once per batch: a batch names few persons many times."""
        found = self.uuids.get(text)
        if found is None:
            found = self.uuids[text] = uuid.UUID(text)
        return found

    def publish(
        self,
        entity: str,
        entity_id: uuid.UUID,
        data: dict[str, Any],
        person_id: uuid.UUID | None,
        recipient: uuid.UUID | None = None,
    ) -> int:
        self.seq += 1
        self.changes.append(
            {
                "organisation_id": self.organisation_id,
                "seq": self.seq,
                "person_id": person_id,
                "recipient_user_id": recipient,
                "entity": entity,
                "entity_id": entity_id,
                "data": data,
                "at": self.now,
            }
        )
        return self.seq


def take_counter(session: Session, organisation_id: uuid.UUID) -> int:
    return session.scalars(
        select(ChangeCounter.value).where(ChangeCounter.organisation_id == organisation_id).with_for_update()
    ).one()


def finish(session: Session, batch: _Batch, start_seq: int) -> None:
    """Write what the batch decided, counter last but one and audit last (the lock order everywhere)."""
    batch.audit.extend(
        audit.Entry("record.write", "accepted", batch.user_id, batch.device_id, person, None, {"records": ids})
        for person, ids in batch.written.items()
    )
    # Core inserts of the tables, not ORM bulk inserts of the classes: the ORM's per-row bookkeeping was the
    # largest single cost of a push (profiled: tests/bench/sync_server.py).
    if batch.records:
        session.execute(insert(Record.__table__), batch.records)
    # The record rows go in exactly as the benchmark's floor inserts them; the feed and ledger rows beside them
    # in one statement each (bulk.py: SQLAlchemy's per-row work, and psycopg's one execution per row, were
    # most of their cost).
    bulk.insert_rows(session, Change.__table__, batch.changes)
    bulk.insert_rows(session, PushLedger.__table__, batch.ledger)
    if batch.seq != start_seq:
        session.execute(
            update(ChangeCounter).where(ChangeCounter.organisation_id == batch.organisation_id).values(value=batch.seq)
        )
    audit.append(session, batch.now, batch.audit)


def push(
    session: Session, user: User, device: Device, request: PushRequest, epoch: str, now: datetime
) -> tuple[list[dict[str, Any]], int]:
    """Apply the batch; returns the per-item results (``ItemResult``'s fields, as JSON values) and the
    high-water change sequence."""
    if request.server_epoch is not None and request.server_epoch != epoch and not request.resync:
        raise ApiError(
            410, "resync_required", "The server was restored from a backup: push every record again with resync set."
        )
    seqs = [item.seq for item in request.items]
    if any(b <= a for a, b in itertools.pairwise(seqs)):
        raise ApiError(400, "items_out_of_order", "Items must be sent in increasing seq order, each once.")
    start = take_counter(session, user.organisation_id)
    session.refresh(device)
    fresh = [item for item in request.items if item.seq > device.last_seq]
    if fresh and not request.resync:
        expected = device.last_seq + 1
        if any(item.seq != expected + i for i, item in enumerate(fresh)):
            raise ApiError(
                409,
                "out_of_order",
                f"The server expected seq {expected} next; send the outbox again from there.",
                expected_seq=expected,
            )
    batch = _Batch(user.organisation_id, now, start, user.id, device.id)
    record_ids = [uuid.UUID(item.record_id) for item in request.items]
    _prefetch(session, batch, list(request.items), record_ids)
    caller = _Caller(user, device, str(user.id), str(device.id), scope.held_now_ids(session, user, now))
    replayed = (
        {
            row.seq: row
            for row in session.scalars(
                select(PushLedger).where(
                    PushLedger.device_id == device.id,
                    PushLedger.seq.in_([i.seq for i in request.items if i.seq <= device.last_seq]),
                )
            )
        }
        if len(fresh) < len(request.items)
        else {}
    )
    results: list[dict[str, Any]] = []
    for item, record_id in zip(request.items, record_ids, strict=True):
        if item.seq in replayed:
            ledger = replayed[item.seq]
            # Older ledger rows kept no hash: the record id is then all there is to compare.
            if ledger.record_id == record_id and ledger.result.get("sha256", item.sha256) == item.sha256:
                results.append(_as_duplicate(item, ledger.result))
                continue
            # The seq was used before for something else (a device restored from an old copy, or a client bug).
            # Answering "duplicate" would let the device clear a record the server never stored: apply it by id.
            result = _apply(session, batch, caller, item, record_id)
            result = {**result, "flags": [*result["flags"], "seq_reused"]}
            batch.audit.append(
                audit.Entry(
                    "security.seq_reused",
                    result["status"],
                    user.id,
                    device.id,
                    None,
                    record_id,
                    {"seq": item.seq, "record_type": item.record_type},
                )
            )
            results.append(result)
            continue
        result = _apply(session, batch, caller, item, record_id)
        results.append(result)
        if item.seq > device.last_seq:
            batch.ledger.append(
                {
                    "device_id": device.id,
                    "seq": item.seq,
                    "record_id": record_id,
                    "result": _ledger_answer(result, item.sha256),
                    "at": now,
                }
            )
    if fresh:
        device.last_seq = max(device.last_seq, fresh[-1].seq)
    device.last_sync_at = now
    device.last_seen_at = now
    finish(session, batch, start)
    return results, batch.seq


@dataclass(frozen=True)
class _Caller:
    user: User
    device: Device
    # The ids as the envelopes carry them, and the persons the user holds now: worked out once per request.
    user_text: str
    device_text: str
    held: set[uuid.UUID]


def _result(
    item: ChangeRecord,
    status: str,
    *,
    server_seq: int | None = None,
    reason: str | None = None,
    quarantine_id: str | None = None,
    flags: list[str] | None = None,
    conflict_id: str | None = None,
) -> dict[str, Any]:
    """One item's answer: ``ItemResult``'s fields in its order, as JSON values. A plain dict rather than the
    model: it is stored in the ledger and sent as it is, and 500 models per push were a measurable cost."""
    return {
        "seq": item.seq,
        "record_id": item.record_id,
        "status": status,
        "server_seq": server_seq,
        "reason": reason,
        "quarantine_id": quarantine_id,
        "flags": list(flags or ()),
        "conflict_id": conflict_id,
    }


def _ledger_answer(result: dict[str, Any], sha256: str) -> dict[str, Any]:
    """What the ledger keeps of an answer: what _as_duplicate reads back, without the fields the ledger row
    holds itself (seq, record id) or that are at their defaults (None, no flags). Half the bytes of the whole
    answer, in the row written for every item pushed."""
    kept = {"status": result["status"], "sha256": sha256}
    for key in ("server_seq", "reason", "quarantine_id", "flags", "conflict_id"):
        if result[key]:
            kept[key] = result[key]
    return kept


def _as_duplicate(item: ChangeRecord, original: dict[str, Any]) -> dict[str, Any]:
    return _result(
        item,
        "duplicate",
        server_seq=original.get("server_seq"),
        reason=original.get("reason"),
        quarantine_id=original.get("quarantine_id") or None,
        flags=[*original.get("flags", []), f"original_{original['status']}"],
        conflict_id=original.get("conflict_id") or None,
    )


def _reject(
    session: Session,
    batch: _Batch,
    user: User,
    device: Device,
    item: ChangeRecord,
    reason: RejectReason,
    *,
    security: bool = False,
    audited_as: str | None = None,
) -> dict[str, Any]:
    quarantine_id = uuid.uuid4()
    person_id = batch.uuid(item.person_id) if _person(session, batch, item.person_id) is not None else None
    record_id = batch.uuid(item.record_id)
    envelope = item.model_dump(mode="json")
    session.execute(
        insert(Quarantine).values(
            id=quarantine_id,
            organisation_id=user.organisation_id,
            device_id=device.id,
            user_id=user.id,
            person_id=person_id,
            record_id=record_id,
            reason=reason,
            envelope=envelope,
            received_at=batch.now,
            size=len(json.dumps(envelope, separators=(",", ":"))),
        )
    )
    batch.rejected_ids.add(item.record_id)
    batch.audit.append(
        audit.Entry(
            "security.write_refused" if security else "record.quarantined",
            audited_as or reason,
            user.id,
            device.id,
            person_id,
            record_id,
            {"quarantine_id": str(quarantine_id), "record_type": item.record_type},
        )
    )
    return _result(item, "rejected", reason=reason, quarantine_id=str(quarantine_id))


def _payload_too_large(item: ChangeRecord, canonical: bytes) -> bool:
    # The limit is on the payload as json.dumps writes it by default (ASCII escapes, spaced separators), which
    # is at most six times its canonical UTF-8 length (a DEL byte becomes "\u007f"): only a payload near the
    # limit is written out again to measure it.
    if 6 * len(canonical) <= MAX_PAYLOAD_BYTES:
        return False
    return len(json.dumps(item.payload)) > MAX_PAYLOAD_BYTES


def _apply(
    session: Session, batch: _Batch, caller: _Caller, item: ChangeRecord, record_id: uuid.UUID
) -> dict[str, Any]:
    user, device = caller.user, caller.device
    canonical = item.canonical_bytes()
    if hashlib.sha256(canonical).hexdigest() != item.sha256:
        return _reject(session, batch, user, device, item, "hash_mismatch")
    derived = record_id.version == 5
    if derived and not _derived_id_is_earned(item):
        # A v5 id names a record by its cause; one that does not recompute could pre-claim another person's
        # welfare check so that the real one is refused.
        return _reject(session, batch, user, device, item, "invalid_payload", security=True)
    person_id = batch.uuid(item.person_id)
    existing = batch.batch_records.get(item.record_id) or batch.stored.get(item.record_id)
    if existing is not None:
        if existing["sha256"] == item.sha256 or (derived and existing["person_id"] == person_id):
            # A derived record's second copy (another writer ran the same rule) is the same record: PROTOCOL §1.4.
            return _result(item, "duplicate", server_seq=existing["server_seq"], flags=existing["flags"])
        # Same id, other content: never an overwrite. The stored record stays byte-identical.
        return _reject(session, batch, user, device, item, "id_reuse", security=True)
    if item.schema_version > SCHEMA_VERSIONS[item.record_type]:
        return _reject(session, batch, user, device, item, "unsupported_schema_version")
    if _payload_too_large(item, canonical):
        return _reject(session, batch, user, device, item, "payload_too_large")
    if item.author_id != caller.user_text:
        return _reject(session, batch, user, device, item, "author_not_caller", security=True)
    if item.device_id != caller.device_text:
        # Provenance is part of the record: a token must not write records in another device's name.
        return _reject(session, batch, user, device, item, "wrong_device", security=True)
    person = _person(session, batch, item.person_id)
    if person is not None and person.organisation_id != user.organisation_id:
        person = None
    # An unknown person is decided, and answered, exactly as a person who exists but was never the caller's,
    # after the same lookups, so a device cannot probe which person ids exist; only the audit log tells.
    unknown = "unknown_person" if person is None else None
    decision = scope.decide_write(session, user, caller.held, item.record_type, person_id, person, batch.now)
    if decision is scope.WriteDecision.NEVER_HELD:
        return _reject(
            session, batch, user, device, item, "not_authorised_for_person", security=True, audited_as=unknown
        )
    if decision is scope.WriteDecision.ROLE_MAY_NOT_WRITE:
        return _reject(session, batch, user, device, item, "role_may_not_write", security=True, audited_as=unknown)
    assert person is not None  # only a real person can be held
    if item.refers_to is not None:
        if item.refers_to in batch.rejected_ids:
            return _reject(session, batch, user, device, item, "depends_on_rejected")
        # A record may refer only to an earlier record about the same person, in this batch or stored.
        referred = batch.batch_records.get(item.refers_to) or batch.stored.get(item.refers_to)
        if referred is None or referred["person_id"] != person_id:
            return _reject(session, batch, user, device, item, "unknown_reference")
    flags: list[str] = []
    if decision is scope.WriteDecision.ACCEPT_AFTER_REASSIGNMENT:
        flags.append("after_reassignment")
    conflict_id: uuid.UUID | None = None
    plan_change: dict[str, Any] | None = None
    if item.record_type == "safety_plan_revision":
        outcome = _plan_revision(session, batch, item)
        if isinstance(outcome, str):
            return _reject(session, batch, user, device, item, "invalid_payload")
        plan_change, conflict_id = outcome
        if conflict_id is not None:
            flags.append("plan_conflict")
    row = {
        "record_id": record_id,
        "organisation_id": user.organisation_id,
        "record_type": item.record_type,
        "schema_version": item.schema_version,
        "person_id": person_id,
        "author_id": user.id,
        "device_id": device.id,
        "authored_at": item.authored_at,
        "refers_to": batch.uuid(item.refers_to) if item.refers_to is not None else None,
        "payload": item.payload,
        "sha256": item.sha256,
        "received_at": batch.now,
        "received_from": device.id,
        "flags": flags,
    }
    # The feed row points at the record; pull joins it back, so the payload is stored once.
    server_seq = batch.publish("record", record_id, {}, person_id)
    row["server_seq"] = server_seq
    batch.records.append(row)
    batch.batch_records[item.record_id] = row
    if plan_change is not None:
        batch.publish("plan_state", uuid.UUID(plan_change["plan_id"]), plan_change, person_id)
    if decision is scope.WriteDecision.ACCEPT_AFTER_REASSIGNMENT:
        # Losing the note would be worse than delivering it late: route it to whoever holds the person now.
        for recipient in scope.current_holders(session, person, batch.now):
            batch.publish(
                "notice",
                record_id,
                {"kind": "after_reassignment", "person_id": str(person.id), "record_id": item.record_id},
                None,
                recipient,
            )
    batch.written.setdefault(person_id, []).append(item.record_id)
    return _result(
        item,
        "accepted",
        server_seq=server_seq,
        flags=flags,
        conflict_id=str(conflict_id) if conflict_id is not None else None,
    )


def _prefetch(session: Session, batch: _Batch, items: list[ChangeRecord], record_ids: list[uuid.UUID]) -> None:
    ids = {*record_ids, *(batch.uuid(item.refers_to) for item in items if item.refers_to)}
    rows = session.execute(
        select(Record.record_id, Record.sha256, Record.server_seq, Record.flags, Record.person_id).where(
            Record.record_id.in_(ids)
        )
    )
    for record_id, sha256, server_seq, flags, person_id in rows:
        batch.stored[str(record_id)] = {
            "sha256": sha256,
            "server_seq": server_seq,
            "flags": flags,
            "person_id": person_id,
        }
    person_ids = {item.person_id for item in items}
    batch.persons = dict.fromkeys(person_ids)
    for person in session.scalars(select(Person).where(Person.id.in_([batch.uuid(p) for p in person_ids]))):
        batch.persons[str(person.id)] = person


def _person(session: Session, batch: _Batch, person_id: str) -> Person | None:
    if person_id not in batch.persons:
        batch.persons[person_id] = session.get(Person, batch.uuid(person_id))
    return batch.persons[person_id]


def record_wire(row: dict[str, Any]) -> dict[str, Any]:
    """A stored record as pulled: the §1.1 envelope fields plus when the server received it."""
    return {
        "record_id": str(row["record_id"]),
        "record_type": row["record_type"],
        "schema_version": row["schema_version"],
        "person_id": str(row["person_id"]),
        "author_id": str(row["author_id"]),
        "device_id": str(row["device_id"]),
        "authored_at": row["authored_at"],
        "refers_to": str(row["refers_to"]) if row["refers_to"] else None,
        "payload": row["payload"],
        "sha256": row["sha256"],
        "received_at": row["received_at"].isoformat(),
        "flags": list(row["flags"]),
    }


def _uuid_list(value: Any) -> list[uuid.UUID] | None:
    if not isinstance(value, list) or len(value) > 2:
        return None
    try:
        return [uuid.UUID(v) for v in value if isinstance(v, str)] if all(isinstance(v, str) for v in value) else None
    except ValueError:
        return None


def _derived_id_is_earned(item: ChangeRecord) -> bool:
    """Whether a v5 record id recomputes from the record itself (PROTOCOL.md §1.4)."""
    payload = item.payload
    if item.record_type == "escalation_opened" and isinstance(payload.get("cause"), list):
        try:
            causes = [uuid.UUID(c) for c in payload["cause"]]
        except (TypeError, ValueError, AttributeError):
            return False
        return item.record_id == str(derived_id(str(payload.get("kind")), uuid.UUID(item.person_id), causes))
    if item.record_type == "escalation_event" and item.refers_to is not None:
        # Schema 3's upgrade turned follow-ups and closings kept only on an escalation row into events.
        refers_to = uuid.UUID(item.refers_to)
        return item.record_id in {
            str(uuid.uuid5(WAYMARK_NAMESPACE, f"schema-3-{kind}:{refers_to.hex}")) for kind in ("follow_up", "closed")
        }
    return False


def _is_revision_of(session: Session, batch: _Batch, revision_id: uuid.UUID, person_id: uuid.UUID) -> bool:
    in_batch = batch.batch_records.get(str(revision_id))
    if in_batch is not None:
        return in_batch["record_type"] == "safety_plan_revision" and in_batch["person_id"] == person_id
    found = session.execute(select(Record.record_type, Record.person_id).where(Record.record_id == revision_id)).first()
    return found is not None and found[0] == "safety_plan_revision" and found[1] == person_id


def _plan_revision(
    session: Session, batch: _Batch, item: ChangeRecord
) -> tuple[dict[str, Any], uuid.UUID | None] | str:
    """Move the plan's head only by fast-forward or by a merge naming it; otherwise open a conflict.

    Returns the plan state to publish and the conflict id (if any), or a reason string when the payload
    cannot be read as a revision.
    """
    try:
        plan_id = uuid.UUID(item.payload["plan_id"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return "invalid_payload"
    record_id, person_id = batch.uuid(item.record_id), batch.uuid(item.person_id)
    parents = _uuid_list(item.payload.get("parent_ids"))
    if parents is None or len(set(parents)) != len(parents) or record_id in parents:
        return "invalid_payload"
    if any(not _is_revision_of(session, batch, parent, person_id) for parent in parents):
        return "invalid_payload"  # a parent the server has never seen for this person: kept in quarantine
    head = session.scalars(select(PlanHead).where(PlanHead.plan_id == plan_id).with_for_update()).first()
    conflict_id: uuid.UUID | None = None
    if head is None:
        head = PlanHead(plan_id=plan_id, person_id=person_id, head_revision_id=record_id, state="ok")
        session.add(head)
    elif head.person_id != person_id:
        return "invalid_payload"
    elif parents == [head.head_revision_id]:
        head.head_revision_id = record_id
    elif len(parents) == 2 and head.head_revision_id in parents:
        other = next(p for p in parents if p != head.head_revision_id)
        head.head_revision_id = record_id
        for conflict in session.scalars(
            select(PlanConflict).where(
                PlanConflict.plan_id == plan_id, PlanConflict.status == "open", PlanConflict.ours_revision_id == other
            )
        ):
            conflict.status = "resolved"
            conflict.resolution_revision_id = record_id
    else:
        chained = (
            session.scalars(
                select(PlanConflict).where(
                    PlanConflict.plan_id == plan_id,
                    PlanConflict.status == "open",
                    PlanConflict.ours_revision_id.in_(parents),
                )
            ).first()
            if parents
            else None
        )
        if chained is not None:
            # R1 → R2 both over an old base: one conflict, on the tip; R1 stays stored in the DAG.
            chained.ours_revision_id = record_id
            conflict_id = chained.id
        else:
            conflict_id = uuid.uuid4()
            session.add(
                PlanConflict(
                    id=conflict_id,
                    plan_id=plan_id,
                    person_id=person_id,
                    base_revision_id=parents[0] if parents else None,
                    theirs_revision_id=head.head_revision_id,
                    ours_revision_id=record_id,
                    status="open",
                    opened_at=batch.now,
                    resolution_revision_id=None,
                )
            )
    session.flush()
    open_conflicts = list(
        session.scalars(select(PlanConflict).where(PlanConflict.plan_id == plan_id, PlanConflict.status == "open"))
    )
    head.state = "conflicted" if open_conflicts else "ok"
    return (
        {
            "plan_id": str(plan_id),
            "head_revision_id": str(head.head_revision_id),
            "state": head.state,
            "open_conflicts": [conflict_wire(c) for c in open_conflicts],
        },
        conflict_id,
    )


def conflict_wire(conflict: PlanConflict) -> dict[str, Any]:
    return {
        "conflict_id": str(conflict.id),
        "plan_id": str(conflict.plan_id),
        "person_id": str(conflict.person_id),
        "base_revision_id": str(conflict.base_revision_id) if conflict.base_revision_id else None,
        "theirs_revision_id": str(conflict.theirs_revision_id),
        "ours_revision_id": str(conflict.ours_revision_id),
        "status": conflict.status,
    }


def quarantine_all(session: Session, user: User, device: Device, request: PushRequest, now: datetime) -> None:
    """A revoked device's push: kept whole in quarantine (never merged, never dropped)."""
    batch = _Batch(user.organisation_id, now, 0)
    for item in request.items:
        _reject(session, batch, user, device, item, "device_revoked", security=True)
    audit.append(session, now, batch.audit)


def quarantine_held(session: Session, device: Device) -> tuple[int, int]:
    """How many records, and how many bytes, this device has in quarantine since it was last reviewed."""
    query = select(func.count(), func.coalesce(func.sum(Quarantine.size), 0)).where(Quarantine.device_id == device.id)
    if device.quarantine_reviewed_at is not None:
        query = query.where(Quarantine.received_at > device.quarantine_reviewed_at)
    count, size = session.execute(query).one()
    return int(count), int(size)
