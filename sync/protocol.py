"""Wire models of the sync protocol (PROTOCOL.md), shared by the server and the client engine.

Every body is strict: unknown fields are refused and no value is coerced from another type, so a
client that drifts from the contract hears so at once instead of having a field silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import to_json

from app import nhs_number

API_PREFIX = "/api/v1"
# Stated limits (PROTOCOL.md §2.1): bigger requests are refused whole with 413, nothing stored.
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_BATCH_ITEMS = 500
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_PULL_LIMIT = 1000
DEFAULT_PULL_LIMIT = 500
DEFAULT_PULL_BYTES = 1024 * 1024

# Each record type and the newest payload version this code knows (PROTOCOL.md §1.2, §1.5). A push of a
# newer version is kept in quarantine until the server is updated, never guessed at.
SCHEMA_VERSIONS: dict[str, int] = {
    "contact_note": 1,
    "note_amendment": 1,
    "safety_plan_revision": 2,
    "safety_review": 1,
    "escalation_opened": 1,
    "escalation_event": 1,
    "planned_contact": 2,
    "planned_contact_change": 1,
    "record_review": 1,
    "supervision": 1,
    "learning_review": 1,
    "action_update": 1,
    "case_audit": 1,
    "contact_plan": 1,
    "contact_plan_change": 1,
}
RECORD_TYPES = tuple(SCHEMA_VERSIONS)
RecordType = Literal[
    "contact_note",
    "note_amendment",
    "safety_plan_revision",
    "safety_review",
    "escalation_opened",
    "escalation_event",
    "planned_contact",
    "planned_contact_change",
    "record_review",
    "supervision",
    "learning_review",
    "action_update",
    "case_audit",
    "contact_plan",
    "contact_plan_change",
]

_UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _uuid_text(value: Any) -> Any:
    # JSON has no UUID type: accept exactly the lowercase hyphenated text §1.1 names, nothing looser.
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and _UUID_TEXT.match(value):
        return uuid.UUID(value)
    raise ValueError("expected a lowercase hyphenated UUID")


Uuid = Annotated[uuid.UUID, BeforeValidator(_uuid_text)]
# The same text kept as text, checked by pydantic's own pattern matching: a push of 500 records carries
# 2,500 ids, and making a uuid.UUID of each in a Python validator was a tenth of the server's push time.
UuidText = Annotated[str, StringConstraints(pattern=_UUID_TEXT.pattern)]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def _real_instant(value: str) -> str:
    # The pattern admits "0000-00-00T…"; only a real calendar instant is a timestamp.
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not a real date and time") from None
    return value


Timestamp = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"),
    AfterValidator(_real_instant),
]


def _storable_text(value: str) -> str:
    # PostgreSQL text holds neither NUL nor lone surrogates (which JSON's \u escapes can smuggle in).
    if "\x00" in value:
        raise ValueError("text contains a NUL character")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode") from None
    return value


# A document's file name (never used as a path on the device); "kind/name:sha256" lines make the digest.
DocumentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")]
DocumentsDigest = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_storable_text)]
MAX_PAYLOAD_DEPTH = 16


def _json_payload(value: dict[str, Any]) -> dict[str, Any]:
    """§1.3: payloads are JSON without floats; also no NUL characters and no absurd nesting."""

    def text(node: str) -> None:
        # ASCII text needs only the NUL check; other text must also encode (no lone surrogates).
        if "\x00" in node or not node.isascii():
            _storable_text(node)

    def walk(node: Any, depth: int) -> None:
        if depth > MAX_PAYLOAD_DEPTH:
            raise ValueError("payload nested too deeply")
        # Exact types first (what JSON parsing makes, checked once per value of every record pushed), then the
        # general checks for anything else.
        kind = type(node)
        if kind is str:
            text(node)
        elif kind is dict:
            for key, item in node.items():
                if type(key) is str:
                    text(key)
                else:
                    walk(key, depth)
                walk(item, depth + 1)
        elif kind is list:
            for item in node:
                walk(item, depth + 1)
        elif kind is bool or node is None:
            pass
        elif kind is int:
            if not -(2**63) <= node < 2**63:
                raise ValueError("payload integer out of range")
        elif isinstance(node, dict):
            for key, item in node.items():
                walk(key, depth)
                walk(item, depth + 1)
        elif isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, float):
            raise ValueError("payload values are never floats (PROTOCOL.md §1.3)")
        elif isinstance(node, str):
            _storable_text(node)
        elif isinstance(node, bool):
            pass
        elif isinstance(node, int):
            if not -(2**63) <= node < 2**63:
                raise ValueError("payload integer out of range")
        else:
            raise ValueError("payload holds a value JSON cannot carry")

    walk(value, 0)
    return value


Payload = Annotated[dict[str, Any], AfterValidator(_json_payload)]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChangeRecord(Wire):
    """The §1.1 envelope: one immutable record from a device's outbox."""

    seq: Annotated[int, Field(ge=1, le=2**62)]
    record_id: UuidText
    record_type: RecordType
    schema_version: Annotated[int, Field(ge=1, le=1000)]
    person_id: UuidText
    author_id: UuidText
    device_id: UuidText
    authored_at: Timestamp
    refers_to: UuidText | None
    payload: Payload
    sha256: Sha256Hex

    def canonical_bytes(self) -> bytes:
        if not self.authored_at.isascii():
            return canonical_bytes(self.hashed_fields())
        # §1.3's bytes written out in sorted key order: apart from the payload every value is validated text
        # that JSON writes unescaped (ids, a type name, an ASCII timestamp) or an integer. The payload, its keys
        # sorted, goes through pydantic's serialiser, which writes what json.dumps(ensure_ascii=False) writes
        # (the same escapes; no floats reach here) in a fraction of the time. Tests check both against the
        # stdlib's canonical_bytes.
        refers_to = "null" if self.refers_to is None else f'"{self.refers_to}"'
        head = (
            f'{{"author_id":"{self.author_id}","authored_at":"{self.authored_at}",'
            f'"device_id":"{self.device_id}","payload":'
        )
        tail = (
            f',"person_id":"{self.person_id}","record_id":"{self.record_id}","record_type":"{self.record_type}",'
            f'"refers_to":{refers_to},"schema_version":{self.schema_version}}}'
        )
        return head.encode() + to_json(_key_sorted(self.payload)) + tail.encode()

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "record_type": self.record_type,
            "schema_version": self.schema_version,
            "person_id": self.person_id,
            "author_id": self.author_id,
            "device_id": self.device_id,
            "authored_at": self.authored_at,
            "refers_to": self.refers_to,
            "payload": self.payload,
        }

    def computed_sha256(self) -> str:
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


def _key_sorted(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _key_sorted(node[key]) for key in sorted(node)}
    if isinstance(node, list):
        return [_key_sorted(item) for item in node]
    return node


def canonical_bytes(obj: dict[str, Any]) -> bytes:
    """§1.3: the bytes both ends hash."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(fields: dict[str, Any], seq: int) -> dict[str, Any]:
    """An envelope dict with its ``seq`` and ``sha256`` (the client's serialiser and tests use it)."""
    return {**fields, "seq": seq, "sha256": hashlib.sha256(canonical_bytes(fields)).hexdigest()}


# --- enrolment ---------------------------------------------------------------------------------


class EnrolRequest(Wire):
    code: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 -]+$")]
    device_name: ShortText
    app_version: Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_storable_text)]


class TeamInfo(Wire):
    id: Uuid
    name: str
    area: str
    nation: str


class EnrolResponse(Wire):
    device_id: Uuid
    user_id: Uuid
    organisation_id: Uuid
    token: str
    role: str
    server_epoch: str
    # Ed25519, raw 32 bytes as hex: the key every command to this device is signed with.
    command_public_key: str
    # Whose laptop this is, for the device's own staff row (its home team's hours and crisis lines); an
    # admin belongs to no team.
    user_name: str = ""
    team: TeamInfo | None = None


# --- common response fields -------------------------------------------------------------------


class Command(Wire):
    command_id: Uuid
    kind: Literal["retire", "revoke", "purge_person"]
    device_id: Uuid
    person_id: Uuid | None
    issued_at: Timestamp
    # Ed25519 signature (hex) over canonical_bytes of the fields above.
    signature: str

    def signed_fields(self) -> dict[str, Any]:
        return {
            "command_id": str(self.command_id),
            "kind": self.kind,
            "device_id": str(self.device_id),
            "person_id": str(self.person_id) if self.person_id else None,
            "issued_at": self.issued_at,
        }


class ServerState(Wire):
    server_time: Timestamp
    server_epoch: str
    device_status: Literal["active", "retire_pending", "retired", "revoked"]
    commands: list[Command]


# --- push --------------------------------------------------------------------------------------


class PushRequest(Wire):
    # The epoch the client last heard; a different one means the server was restored (§2.6).
    server_epoch: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")] | None
    # After an epoch change the client re-sends what it still holds; its seq may then start past a gap.
    resync: bool
    items: Annotated[list[ChangeRecord], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


RejectReason = Literal[
    "hash_mismatch",
    "id_reuse",
    "not_authorised_for_person",
    "role_may_not_write",
    "unknown_person",
    "wrong_device",
    "unsupported_schema_version",
    "invalid_payload",
    "payload_too_large",
    "depends_on_rejected",
    "device_revoked",
    "author_not_caller",
    "unknown_reference",
]


class ItemResult(Wire):
    seq: int
    record_id: Uuid
    status: Literal["accepted", "duplicate", "rejected"]
    # The change sequence the record was published under (accepted, and duplicates of accepted).
    server_seq: int | None = None
    reason: RejectReason | None = None
    quarantine_id: Uuid | None = None
    flags: list[str] = []
    conflict_id: Uuid | None = None


class PushResponse(ServerState):
    results: list[ItemResult]
    last_seq: int
    high_water_seq: int


# --- pull --------------------------------------------------------------------------------------


class Change(Wire):
    seq: int
    entity: Literal["record", "plan_state", "notice", "person"]
    person_id: Uuid | None
    entity_id: Uuid
    data: dict[str, Any]


class Hold(Wire):
    """Why the caller may see one person now, and until when (PROTOCOL.md §2.5)."""

    person_id: Uuid
    # assigned: on their caseload; cover: a duty shift's cover; break_glass: opened outside their cover with
    # a written reason, for a short time; team: a team lead reading their team.
    basis: Literal["assigned", "cover", "break_glass", "team"]
    until: Timestamp | None
    team_name: str


class StaffName(Wire):
    """A colleague whose records the caller can see, by name: notes say who wrote them (PROTOCOL.md §2.5)."""

    user_id: Uuid
    name: str
    role: str
    team: TeamInfo


class PullResponse(ServerState):
    changes: list[Change]
    next_cursor: str
    has_more: bool
    high_water_seq: int
    # Every person this user may see now: a new one is backfilled with its snapshot, a missing one
    # leaves the device once its pending records are pushed.
    scope: list[Uuid]
    # One per person in ``scope``: the device keeps them as its local assignments, so its caseload is the
    # server's scope and a cover shift leaves the caseload at its end even with no signal.
    holds: list[Hold] = []
    # The offline lease, set by the organisation: how long after this sync the device keeps full access to
    # case data without reaching the server again (PROTOCOL.md §2.5). Absent: the device keeps its last one.
    offline_lease_s: int | None = None
    # One hash over the organisation's documents in force (§2.10): a device fetches ``GET /documents`` only
    # when it differs from what it last applied. Sent only to clients announcing schema
    # ``DOCUMENTS_SCHEMA`` or later in ``X-Waymark-Schema``: an older client refuses fields it does not know.
    documents_digest: DocumentsDigest | None = None
    # The staff of the teams of the persons in ``scope`` and everyone who wrote a record of theirs: names,
    # roles and teams only. Sent only to clients announcing ``STAFF_NAMES_SCHEMA`` or later. Absent: the
    # device keeps the names it has.
    staff: list[StaffName] | None = None


class PersonSnapshot(ServerState):
    person_id: Uuid
    as_of_seq: int
    person: dict[str, Any]
    records: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    open_conflicts: list[dict[str, Any]]
    count: int
    digest: str


# --- break-glass -------------------------------------------------------------------------------


def _valid_nhs_number(value: str) -> str:
    if not nhs_number.is_valid(value):
        raise ValueError("not a valid NHS number (its check digit does not match)")
    return value


# Stripped before it is measured: twenty spaces are no reason.
BreakGlassReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=20, max_length=2000), AfterValidator(_storable_text)
]


class BreakGlassRequest(Wire):
    # Written by the duty worker: why they must open this person now (kept for their team lead; never logged).
    reason: BreakGlassReason


class BreakGlassByNhsNumber(Wire):
    """``POST /break-glass``: open a person known only by NHS number. Ten digits with a valid check digit."""

    nhs_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$"), AfterValidator(_valid_nhs_number)]
    reason: BreakGlassReason


class BreakGlassGrant(Wire):
    grant_id: Uuid
    person_id: Uuid
    user_name: str
    reason: str
    granted_at: Timestamp
    ends_at: Timestamp


class BreakGlassRefused(Wire):
    """A refused break-glass attempt, for the team lead: who, when, which refusal (an ``ErrorBody`` reason),
    and the duty worker's written reason as a grant shows it. Never the NHS number or person asked for."""

    user_name: str
    at: Timestamp
    refusal: str
    reason: str


class BreakGlassResponse(ServerState):
    grant: BreakGlassGrant


class BreakGlassList(ServerState):
    grants: list[BreakGlassGrant]


class ConflictList(ServerState):
    conflicts: list[dict[str, Any]]


# --- the organisation's documents (pathways, contacts directory) ------------------------------------

# The first client schema that reads ``documents_digest`` on pull pages.
DOCUMENTS_SCHEMA = 2
# The first client schema that reads ``break_glass_refused`` in the team health report, and counts each
# escalation once in its heartbeat's ``unsent_escalations``.
BREAK_GLASS_REFUSED_SCHEMA = 3
# Clients at this schema or later word a 429 on break-glass as its limit; older ones are sent a 403 instead.
BREAK_GLASS_LIMIT_SCHEMA = BREAK_GLASS_REFUSED_SCHEMA
# The first client schema that reads ``staff`` on pull pages (the names of who wrote the records it can see).
STAFF_NAMES_SCHEMA = 4


class OrgDocument(Wire):
    """One configuration file in force, in the client's own TOML format (resources/pathways/README.md,
    resources/contacts/README.md), exactly as imported."""

    kind: Literal["pathways", "directory"]
    name: DocumentName
    document_id: Annotated[int, Field(ge=1)]  # the server's id of this version of the file (a newer one is larger)
    sha256: Sha256Hex  # of ``text`` as UTF-8
    text: str
    imported_at: Timestamp


class DocumentList(ServerState):
    documents: list[OrgDocument]
    documents_digest: DocumentsDigest


# --- heartbeat and commands --------------------------------------------------------------------


class HeartbeatRequest(Wire):
    unsent: Annotated[int, Field(ge=0, le=10**9)]
    quarantined: Annotated[int, Field(ge=0, le=10**9)]
    # Escalations with their opening or any step among the unsent, each counted once (its steps are not
    # counted apart). A lead must know when one is recorded but not yet on the server (nobody else has been
    # told). Absent from older clients: 0 is what they could not say. Clients before schema 3 counted
    # openings and steps alike.
    unsent_escalations: Annotated[int, Field(ge=0, le=10**9)] = 0
    app_version: Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_storable_text)]
    schema_version: Annotated[int, Field(ge=1, le=1000)]
    device_time: Timestamp


class HeartbeatResponse(ServerState):
    clock_offset_ms: int


# --- team health (a team lead's sync-health view) ---------------------------------------------------


class TeamStaff(Wire):
    user_id: Uuid
    name: str
    role: str


class WorkerSync(Wire):
    user_id: Uuid
    name: str
    last_sync_at: Timestamp | None


class DeviceHealth(Wire):
    device_id: Uuid
    user_id: Uuid
    name: str  # the device's owner and the device's name: never clinical text
    quarantined: int  # records from this device the server holds in quarantine
    unsent: int | None  # as its last heartbeat reported; None before any heartbeat
    unsent_escalations: int | None = None  # escalations with anything among those, each counted once
    heartbeat_at: Timestamp | None


class TeamHealth(ServerState):
    """``GET /team/health``: the caller's team, for a team lead only (PROTOCOL.md §2.8)."""

    as_of: Timestamp
    team_id: Uuid
    staff: list[TeamStaff]
    workers: list[WorkerSync]
    devices: list[DeviceHealth]
    break_glass: list[BreakGlassGrant]  # the team's persons opened by break-glass in the last 30 days, newest first
    # The team's staff's refused break-glass attempts in the last 30 days, newest first. Sent only to clients
    # announcing ``BREAK_GLASS_REFUSED_SCHEMA`` or later (an older client refuses fields it does not know);
    # None from a server from before it.
    break_glass_refused: list[BreakGlassRefused] | None = None


class CommandAck(Wire):
    outcome: Literal["done", "failed"]
    detail: Annotated[str, StringConstraints(max_length=200), AfterValidator(_storable_text)] | None


class Ack(ServerState):
    command_id: Uuid


class ErrorBody(Wire):
    """Every refusal: a machine-readable ``reason`` and words for the person reading a log."""

    reason: str
    message: str
    expected_seq: int | None = None
