"""Commands from the server (PROTOCOL.md §2.7) as this device obeys them: only a command signed with the
key it got at enrolment and addressed to this device does anything; anything else is ignored.

A wipe is a crypto-shred: the wrapped key goes first (without it the database is noise), then the
database with its WAL and shared memory.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from storage.layout import PENDING_KEY_NAME, db_path, key_path, seal_path
from sync.protocol import Command, canonical_bytes

log = logging.getLogger(__name__)


def verified(command: Command, public_key_hex: str, device_id: str) -> bool:
    """True only for a command signed by the server's key and addressed to this device."""
    if str(command.device_id) != device_id:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(command.signature), canonical_bytes(command.signed_fields())
        )
    except (InvalidSignature, ValueError):
        log.warning("ignored command %s: its signature does not verify", command.command_id)
        return False
    return True


def shred(data_dir: Path) -> None:
    """Destroy the store: key files first, then the database, its WAL and shared memory, then its seal."""
    for path in (
        key_path(data_dir),
        data_dir / PENDING_KEY_NAME,
        db_path(data_dir),
        db_path(data_dir).with_name(db_path(data_dir).name + "-wal"),
        db_path(data_dir).with_name(db_path(data_dir).name + "-shm"),
        seal_path(data_dir),
    ):
        path.unlink(missing_ok=True)
