"""The sealed record of a store's latest state, kept beside the database and outside it.

SQLite cannot tell a database that lost its last transactions (a damaged or deleted ``-wal``, an older
copy put back, a page from an older copy) from one that never had them: each is a valid database. So
after every commit that changed something, the store writes down how many such commits it holds, when
the last one was, and the head of its audit chain, sealed with AES-256-GCM under a key derived from the
data key: it cannot be forged without the passphrase, and reveals nothing (not even when the worker last
saved) to whoever holds the laptop. On open, a database behind its seal is a database that lost records,
and the worker is told so.

The seal is written after the commit it describes, so a crash between the two leaves the database
ahead of its seal (harmless: the next open re-seals), never behind it.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.keyfile import write_atomically

FORMAT = "waymark-state/v1"


def derive_key(data_key: bytes, purpose: str) -> bytes:
    """A key for one purpose (``seal``, ``audit``), derived from the data key so none is stored."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"waymark/{purpose}/v1".encode()).derive(data_key)


@dataclass(frozen=True, slots=True)
class StoreState:
    store_id: str
    commits: int
    last_commit_at: str  # ISO 8601 UTC; "" before the first commit
    audit_seq: int
    audit_hash: str


class SealBroken(Exception):
    """The seal file exists but was altered, damaged, or belongs to another data key."""


def _aad(store_id: str) -> bytes:
    return f"{FORMAT}|{store_id}".encode()


def read(path: Path, key: bytes) -> StoreState | None:
    """The sealed state, or None when there is no seal file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SealBroken("unreadable") from exc
    try:
        if doc["format"] != FORMAT:
            raise SealBroken("unknown format")
        store_id = str(doc["store_id"])
        plain = AESGCM(key).decrypt(base64.b64decode(doc["nonce"]), base64.b64decode(doc["sealed"]), _aad(store_id))
        fields = json.loads(plain)
        state = StoreState(
            str(fields["store_id"]),
            int(fields["commits"]),
            str(fields["last_commit_at"]),
            int(fields["audit_seq"]),
            str(fields["audit_hash"]),
        )
    except (InvalidTag, KeyError, TypeError, ValueError) as exc:
        raise SealBroken("altered, damaged or under another key") from exc
    if state.store_id != store_id:
        raise SealBroken("store id")
    return state


def unverified_store_id(path: Path) -> str | None:
    """The store id a seal names, read without its key: only to word a message, never to trust."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return str(doc["store_id"]) if isinstance(doc, dict) else None
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        return None


class Sealer:
    """Writes the seal after commits, never moving it backwards (commits can finish out of order)."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key
        self._lock = threading.Lock()
        self._written = -1

    def write(self, state: StoreState) -> None:
        with self._lock:
            if state.commits <= self._written:
                return
            nonce = secrets.token_bytes(12)
            sealed = AESGCM(self._key).encrypt(nonce, json.dumps(asdict(state)).encode(), _aad(state.store_id))
            doc = {
                "format": FORMAT,
                "store_id": state.store_id,  # in clear only to name a mismatched key file in a message
                "nonce": base64.b64encode(nonce).decode(),
                "sealed": base64.b64encode(sealed).decode(),
            }
            # The folder is not synced: a power cut that loses this rename leaves the previous seal,
            # which is behind the database (harmless), never ahead of it. The file itself is synced
            # before the rename, so the seal is never found empty or torn.
            write_atomically(self.path, json.dumps(doc, indent=2).encode("utf-8"), sync_folder=False)
            self._written = state.commits
