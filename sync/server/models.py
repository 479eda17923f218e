"""The server's schema: typed SQLAlchemy 2 tables, the same on SQLite and PostgreSQL.

Clinical records, the change feed, the quarantine, the push ledger and the audit log are append-only:
the migrations add triggers so the database itself refuses an UPDATE or DELETE of their rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

APPEND_ONLY_TABLES = (
    "record",
    "change",
    "quarantine",
    "push_ledger",
    "audit_event",
    "command_ack",
    "org_document",
    "break_glass",
    "break_glass_refusal",
)


class ServerBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
        int: BigInteger,
    }


class ServerMeta(ServerBase):
    """Server-wide secrets and settings: the epoch, the cursor HMAC key, the command signing key."""

    __tablename__ = "server_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Organisation(ServerBase):
    __tablename__ = "organisation"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)


class ChangeCounter(ServerBase):
    """One row per organisation. Taking it (UPDATE … RETURNING) inside the write transaction holds its
    row lock to commit, so change sequence order is commit order (sync-reference.md b3)."""

    __tablename__ = "change_counter"
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Team(ServerBase):
    __tablename__ = "team"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(64))
    nation: Mapped[str] = mapped_column(String(32))


class User(ServerBase):
    __tablename__ = "app_user"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))


class Person(ServerBase):
    __tablename__ = "person"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.id"), index=True)
    # Demographics and contact details as the client's person row holds them.
    details: Mapped[dict[str, Any]]


class Assignment(ServerBase):
    __tablename__ = "assignment"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_assignment_user", "user_id"), Index("ix_assignment_person", "person_id"))


class Cover(ServerBase):
    """A time-boxed cover assignment for duty staff: a whole team, or the persons listed in CoverPerson."""

    __tablename__ = "cover"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class CoverPerson(ServerBase):
    __tablename__ = "cover_person"
    cover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cover.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True)


class BreakGlass(ServerBase):
    """A duty worker's reasoned, time-limited opening of a person outside their cover: written once, audited,
    listed for the person's team lead."""

    __tablename__ = "break_glass"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), index=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class BreakGlassRefusal(ServerBase):
    """A break-glass attempt the server refused: who, from which device, when, and which refusal, with the
    duty worker's written reason (kept for their team lead, as a grant's is). Never the NHS number or person
    id asked for: a refused lookup must not leave a list of numbers tried. Written once; the attempts in a
    window, with the grants, are what the break-glass rate limit counts, in the database so that every
    server process on it shares the count."""

    __tablename__ = "break_glass_refusal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id"))
    at: Mapped[datetime]
    refusal: Mapped[str] = mapped_column(String(40))  # the refusal's machine-readable reason
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_break_glass_refusal_user_at", "user_id", "at"),
        Index("ix_break_glass_refusal_device_at", "device_id", "at"),
    )


class Device(ServerBase):
    __tablename__ = "device"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    # SHA-256 of the 256-bit random token: the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # active | retire_pending | retired | revoked
    enrolled_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    last_sync_at: Mapped[datetime | None]
    last_seq: Mapped[int] = mapped_column(default=0)
    heartbeat: Mapped[dict[str, Any] | None]
    # Over its quarantine quota since then: pushes are refused until a team lead or admin has looked at what
    # is held (``admin quarantine-reviewed``); only quarantine received after ``quarantine_reviewed_at`` counts.
    quarantine_full_at: Mapped[datetime | None] = mapped_column(default=None)
    # The token lapses this long (Settings.token_lifetime) after it was last renewed: at enrolment and by use.
    token_renewed_at: Mapped[datetime | None] = mapped_column(default=None)
    quarantine_reviewed_at: Mapped[datetime | None] = mapped_column(default=None)


class EnrolCode(ServerBase):
    __tablename__ = "enrol_code"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    device_id: Mapped[uuid.UUID | None]


class EnrolFailure(ServerBase):
    """Failed enrolment attempts, counted per source to slow guessing down."""

    __tablename__ = "enrol_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime]


class RefusalTally(ServerBase):
    """Refused requests counted per source, reason and device per minute: one row and one audit event each,
    however many requests a flood sends (sync/server/refusals.py)."""

    __tablename__ = "refusal_tally"
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    device_key: Mapped[str] = mapped_column(String(36), primary_key=True)  # device id, or "-" for none
    count: Mapped[int]


class OrgDocument(ServerBase):
    """One imported version of an organisation's configuration file (a pathway, criteria or contacts
    directory file), in the client's own TOML format, validated before it was stored. A re-import adds a
    version; the newest version of each (kind, name) is the one in force."""

    __tablename__ = "org_document"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # pathways | directory
    name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]

    __table_args__ = (Index("ix_org_document_kind_name", "kind", "name"),)


class Record(ServerBase):
    """One clinical change record, exactly as sent (PROTOCOL.md §1), stored once by its id."""

    __tablename__ = "record"
    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    record_type: Mapped[str] = mapped_column(String(32))
    schema_version: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    author_id: Mapped[uuid.UUID]
    device_id: Mapped[uuid.UUID]
    authored_at: Mapped[str] = mapped_column(String(32))
    refers_to: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]]
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    received_from: Mapped[uuid.UUID]
    server_seq: Mapped[int]
    flags: Mapped[list[Any]]


class PlanHead(ServerBase):
    """The revision in force for each safety plan: a pointer, moved only by fast-forward or merge."""

    __tablename__ = "plan_head"
    plan_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    head_revision_id: Mapped[uuid.UUID]
    state: Mapped[str] = mapped_column(String(16))  # ok | conflicted


class PlanConflict(ServerBase):
    __tablename__ = "plan_conflict"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    base_revision_id: Mapped[uuid.UUID | None]
    theirs_revision_id: Mapped[uuid.UUID]
    ours_revision_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(16))  # open | resolved
    opened_at: Mapped[datetime]
    resolution_revision_id: Mapped[uuid.UUID | None]


class Change(ServerBase):
    """The change feed pullers read: ordered by ``seq`` from the organisation's counter."""

    __tablename__ = "change"
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    recipient_user_id: Mapped[uuid.UUID | None]
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[uuid.UUID]
    data: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class PushLedger(ServerBase):
    """``(device, seq)`` → the answer given, written in the same transaction as the effect."""

    __tablename__ = "push_ledger"
    device_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    record_id: Mapped[uuid.UUID]
    result: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class Quarantine(ServerBase):
    """A record the server would not apply: kept whole for a team lead or admin to triage, never dropped."""

    __tablename__ = "quarantine"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"))
    device_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    person_id: Mapped[uuid.UUID | None]
    record_id: Mapped[uuid.UUID | None]
    reason: Mapped[str] = mapped_column(String(40))
    envelope: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    # The envelope's size as JSON, counted against the device's quota (unknown for rows from before 0003).
    size: Mapped[int | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_quarantine_device", "device_id", "received_at"),)


class AuditEvent(ServerBase):
    """Who did what to which record, when, from which device. Never clinical text. Hash-chained."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_user_id: Mapped[uuid.UUID | None]
    device_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[uuid.UUID | None]
    record_id: Mapped[uuid.UUID | None]
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(ServerBase):
    """The chain's tip; taking its row lock serialises appends across server processes."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))


class DeviceCommand(ServerBase):
    __tablename__ = "device_command"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[uuid.UUID | None]
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class CommandAck(ServerBase):
    __tablename__ = "command_ack"
    command_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device_command.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    acked_at: Mapped[datetime]
