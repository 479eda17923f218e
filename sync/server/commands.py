"""Commands to devices (retire, revoke, purge_person), signed with the server's Ed25519 key so a
spoofed response can never make a device wipe itself."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.types import UtcDateTime
from sync.protocol import Command, canonical_bytes
from sync.server import audit
from sync.server.keys import ServerKeys
from sync.server.models import CommandAck, Device, DeviceCommand

_STAMP = UtcDateTime()


def stamp(at: datetime) -> str:
    text = _STAMP.process_bind_param(at, None)  # type: ignore[arg-type]
    assert text is not None
    return text


def issue(
    session: Session,
    keys: ServerKeys,
    device: Device,
    kind: str,
    issued_by: str,
    now: datetime,
    person_id: uuid.UUID | None = None,
) -> DeviceCommand:
    command_id = uuid.uuid4()
    unsigned = {
        "command_id": str(command_id),
        "kind": kind,
        "device_id": str(device.id),
        "person_id": str(person_id) if person_id else None,
        "issued_at": stamp(now),
    }
    row = DeviceCommand(
        id=command_id,
        device_id=device.id,
        kind=kind,
        person_id=person_id,
        issued_at=now,
        issued_by=issued_by,
        signature=keys.signing_key.sign(canonical_bytes(unsigned)).hex(),
    )
    session.add(row)
    audit.append(
        session,
        now,
        [audit.Entry(f"command.{kind}", "issued", None, device.id, person_id, None, {"issued_by": issued_by})],
    )
    return row


def pending(session: Session, device_id: uuid.UUID) -> list[Command]:
    rows = session.scalars(
        select(DeviceCommand)
        .outerjoin(CommandAck, CommandAck.command_id == DeviceCommand.id)
        .where(DeviceCommand.device_id == device_id, CommandAck.command_id.is_(None))
        .order_by(DeviceCommand.issued_at)
    )
    return [
        Command(
            command_id=row.id,
            kind=row.kind,  # type: ignore[arg-type]
            device_id=row.device_id,
            person_id=row.person_id,
            issued_at=stamp(row.issued_at),
            signature=row.signature,
        )
        for row in rows
    ]


def verify(public_key_hex: str, command: Command) -> bool:
    """What a client does before obeying: check the signature against the key it got at enrolment."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(command.signature), canonical_bytes(command.signed_fields())
        )
    except (InvalidSignature, ValueError):
        return False
    return True
