"""Server-wide secrets made at first start: the epoch, the cursor HMAC key and the command signing key.

They live in the database so that several server processes on one PostgreSQL database agree on them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from sync.server.models import AuditHead, ServerMeta

GENESIS = "0" * 64


@dataclass(frozen=True)
class ServerKeys:
    epoch: str
    cursor_key: bytes
    signing_key: Ed25519PrivateKey

    @property
    def public_key_hex(self) -> str:
        return self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def ensure(connection: Connection) -> None:
    """Make the secrets and the audit chain's head if this database has none (first start)."""
    existing = set(connection.scalars(select(ServerMeta.key)))
    fresh = {
        "epoch": secrets.token_hex(8),
        "cursor_key": secrets.token_hex(32),
        "signing_key": Ed25519PrivateKey.generate()
        .private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        .hex(),
    }
    for key, value in fresh.items():
        if key not in existing:
            connection.execute(ServerMeta.__table__.insert().values(key=key, value=value))
    if connection.scalar(select(AuditHead.id)) is None:
        connection.execute(AuditHead.__table__.insert().values(id=1, last_id=0, last_hash=GENESIS))


def load(session: Session) -> ServerKeys:
    meta = {row.key: row.value for row in session.scalars(select(ServerMeta))}
    return ServerKeys(
        epoch=meta["epoch"],
        cursor_key=bytes.fromhex(meta["cursor_key"]),
        signing_key=Ed25519PrivateKey.from_private_bytes(bytes.fromhex(meta["signing_key"])),
    )


def new_epoch(session: Session) -> str:
    """After a restore from backup: every client must re-push and re-snapshot (PROTOCOL.md §2.6)."""
    epoch = secrets.token_hex(8)
    row = session.get(ServerMeta, "epoch")
    assert row is not None
    row.value = epoch
    return epoch
