"""The demo organisation on the server: built by the client's own demo generator, then copied across.

Running the very generator the desktop uses (into a throwaway store) keeps both ends' demo data the
same — teams, staff, persons, assignments, plans, notes, reviews and planned contacts — without a
second copy of its rules. Its pathways and contacts directory are imported as documents, so devices receive
them by sync like an organisation's own.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from app.clock import FixedClock
from app.org_config import BUNDLED
from app.workspace import Workspace
from resources.demo.generator import populate
from storage import models as client
from storage import records
from storage.keyfile import KdfParams
from storage.serialise import row_to_dict
from sync.protocol import canonical_bytes
from sync.server import audit
from sync.server.admin import Admin, AdminError
from sync.server.models import Assignment, Change, ChangeCounter, Organisation, Person, PlanHead, Record, Team, User

# Demo records, parents first. Their envelopes come from the client's own serialisers (storage.records),
# so the server holds byte-for-byte what a device would have sent.
_RECORD_MODELS: tuple[type[client.Base], ...] = (
    client.SafetyPlanRevision,
    client.ContactNote,
    client.SafetyReview,
    client.PlannedContact,
)


# Westdale's persons: the organisation's second team, outside the Eastmoor duty worker's cover, so the README's
# night-shift story (a call about someone not on Gareth's caseload or cover) can be tried by break-glass.
OTHER_TEAM_PERSONS = 3


def _envelope(row: Any) -> dict[str, Any]:
    return records.envelope(row)


def username_for(name: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", name.lower().replace(" ", "."))


def load(admin: Admin, persons: int = 40, seed: int = 7, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Fill an empty server database with the demo organisation (``persons`` in Eastmoor, and Westdale's few);
    returns (username, role, team) per user."""
    now = now or datetime.now(UTC)
    with admin.transaction() as session:
        if session.scalars(select(Organisation.id)).first() is not None:
            raise AdminError("this server database already holds an organisation; use an empty database")
    with tempfile.TemporaryDirectory(prefix="waymark-demo-") as scratch:
        # A throwaway store at the cheapest key derivation: it is deleted as soon as it has been read.
        workspace = Workspace.create(
            Path(scratch) / "store", secrets_passphrase(), kdf=KdfParams.floor(), clock=FixedClock(now)
        )
        try:
            populate(workspace, persons=persons, seed=seed, now=now, other_team_persons=OTHER_TEAM_PERSONS)
            with workspace.store.sessions() as source:
                rows = {
                    model: [row_to_dict(r) for r in source.scalars(select(model))]
                    for model in (
                        client.Organisation,
                        client.Team,
                        client.Staff,
                        client.Device,
                        client.Person,
                        client.Assignment,
                        client.SafetyPlan,
                    )
                }
                envelopes = [_envelope(r) for model in _RECORD_MODELS for r in source.scalars(select(model))]
        finally:
            workspace.close()
    _copy(admin, rows, envelopes, now)
    _documents(admin)
    return admin.users()


def _documents(admin: Admin) -> None:
    """The demo organisation's contacts directory, then its pathways (checked against it), imported as an
    organisation's would be: devices receive them at their next sync (PROTOCOL.md §2.10)."""
    from sync.server import importing  # it builds on the push rules; imported here, when the demo needs it

    for kind, folder in (("directory", BUNDLED / "contacts"), ("pathways", BUNDLED / "pathways")):
        importing.run(admin, kind, sorted(folder.glob("*.toml")))


def secrets_passphrase() -> str:
    return secrets.token_urlsafe(24)


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _copy(
    admin: Admin, rows: dict[type[client.Base], list[dict[str, Any]]], envelopes: list[dict[str, Any]], now: datetime
) -> None:
    device_id = _uuid(rows[client.Device][0]["id"]) if rows[client.Device] else uuid.uuid4()
    with admin.transaction() as session:
        org = rows[client.Organisation][0]
        session.add(Organisation(id=uuid.UUID(org["id"]), name=org["name"]))
        session.flush()
        teams = {t["id"]: t["area"] for t in rows[client.Team]}
        session.execute(
            insert(Team),
            [
                {
                    "id": uuid.UUID(t["id"]),
                    "organisation_id": uuid.UUID(org["id"]),
                    "name": t["name"],
                    "area": t["area"],
                    "nation": t["nation"],
                }
                for t in rows[client.Team]
            ],
        )
        session.execute(
            insert(User),
            [
                {
                    "id": uuid.UUID(s["id"]),
                    "organisation_id": uuid.UUID(org["id"]),
                    "team_id": uuid.UUID(s["team_id"]),
                    "username": username_for(s["name"]),
                    "name": s["name"],
                    "role": s["role"],
                }
                for s in rows[client.Staff]
            ],
        )
        session.execute(
            insert(Person),
            [
                {
                    "id": uuid.UUID(p["id"]),
                    "organisation_id": uuid.UUID(org["id"]),
                    "team_id": uuid.UUID(p["team_id"]),
                    "details": {k: v for k, v in p.items() if k not in {"id", "organisation_id", "team_id"}},
                }
                for p in rows[client.Person]
            ],
        )
        session.execute(
            insert(Assignment),
            [
                {
                    "id": uuid.UUID(a["id"]),
                    "user_id": uuid.UUID(a["staff_id"]),
                    "person_id": uuid.UUID(a["person_id"]),
                    "role": a["role"],
                    "starts_at": datetime.fromisoformat(a["starts_at"]),
                    "ends_at": datetime.fromisoformat(a["ends_at"]) if a["ends_at"] else None,
                }
                for a in rows[client.Assignment]
            ],
        )
        stored: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        seq = 0
        for fields in envelopes:
            seq += 1
            fields["device_id"] = fields["device_id"] or str(device_id)
            stored.append(_record(uuid.UUID(org["id"]), fields, device_id, now, seq))
        plan_heads = [
            {
                "plan_id": uuid.UUID(p["id"]),
                "person_id": uuid.UUID(p["person_id"]),
                "head_revision_id": uuid.UUID(p["head_revision_id"]),
                "state": "ok",
            }
            for p in rows[client.SafetyPlan]
            if p["head_revision_id"]
        ]
        for record in stored:
            changes.append(
                {
                    "organisation_id": record["organisation_id"],
                    "seq": record["server_seq"],
                    "person_id": record["person_id"],
                    "recipient_user_id": None,
                    "entity": "record",
                    "entity_id": record["record_id"],
                    "data": {},
                    "at": now,
                }
            )
        session.execute(insert(Record), stored)
        session.execute(insert(Change), changes)
        session.execute(insert(PlanHead), plan_heads)
        session.add(ChangeCounter(organisation_id=uuid.UUID(org["id"]), value=seq))
        audit.append(
            session,
            now,
            [
                audit.Entry(
                    "admin.demo_loaded",
                    "ok",
                    None,
                    None,
                    detail={"persons": len(rows[client.Person]), "records": seq, "teams": sorted(teams.values())},
                )
            ],
        )


def _record(org: uuid.UUID, fields: dict[str, Any], device: uuid.UUID, now: datetime, seq: int) -> dict[str, Any]:
    return {
        "record_id": uuid.UUID(fields["record_id"]),
        "organisation_id": org,
        "record_type": fields["record_type"],
        "schema_version": fields["schema_version"],
        "person_id": uuid.UUID(fields["person_id"]),
        "author_id": uuid.UUID(fields["author_id"]),
        "device_id": uuid.UUID(fields["device_id"]),
        "authored_at": fields["authored_at"],
        "refers_to": uuid.UUID(fields["refers_to"]) if fields["refers_to"] else None,
        "payload": fields["payload"],
        "sha256": hashlib.sha256(canonical_bytes(fields)).hexdigest(),
        "received_at": now,
        "received_from": device,
        "server_seq": seq,
        "flags": [],
    }
