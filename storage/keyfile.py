"""The data key, wrapped under a passphrase-derived key (Argon2id + AES-256-GCM), and its file."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from storage.errors import KeyFileDamaged, WrongPassphrase

FORMAT = "waymark-keyfile/v1"
FLOOR_MEMORY_KIB = 64 * 1024
FLOOR_ITERATIONS = 3
FLOOR_LANES = 4
MAX_MEMORY_KIB = 1024 * 1024
DATA_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class KdfParams:
    memory_kib: int = 256 * 1024
    iterations: int = 3
    lanes: int = 4

    def __post_init__(self) -> None:
        if (
            self.memory_kib < FLOOR_MEMORY_KIB
            or self.iterations < FLOOR_ITERATIONS
            or self.lanes < FLOOR_LANES
            or self.memory_kib > MAX_MEMORY_KIB
        ):
            raise ValueError("KDF parameters outside the allowed range")

    @classmethod
    def floor(cls) -> KdfParams:
        return cls(FLOOR_MEMORY_KIB, FLOOR_ITERATIONS, FLOOR_LANES)

    def canonical(self) -> str:
        return f"argon2id;m={self.memory_kib};t={self.iterations};p={self.lanes}"


def derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(passphrase.encode("utf-8"))


def calibrate(target_seconds: float = 0.7, ceiling_seconds: float = 1.0) -> KdfParams:
    """Largest memory cost that keeps one derivation near ``target_seconds`` on this machine.

    Argon2id time grows about linearly with memory, so one timed run at the floor is enough to scale.
    """
    floor = KdfParams.floor()
    start = time.perf_counter()
    derive("calibration", secrets.token_bytes(16), floor)
    elapsed = max(time.perf_counter() - start, 1e-3)
    scale = min(target_seconds / elapsed, ceiling_seconds / elapsed)
    memory = int(floor.memory_kib * scale) // 1024 * 1024
    return KdfParams(max(FLOOR_MEMORY_KIB, min(memory, MAX_MEMORY_KIB)), FLOOR_ITERATIONS, FLOOR_LANES)


@dataclass(frozen=True, slots=True)
class KeyFile:
    """What is on disk. The AAD binds format, store id and KDF parameters, so none can be swapped."""

    store_id: str
    salt: bytes
    params: KdfParams
    nonce: bytes
    wrapped_key: bytes

    def _aad(self) -> bytes:
        return f"{FORMAT}|{self.store_id}|{self.params.canonical()}".encode()

    @classmethod
    def wrap(cls, data_key: bytes, passphrase: str, params: KdfParams, store_id: str) -> KeyFile:
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        draft = cls(store_id, salt, params, nonce, b"")
        wrapping_key = derive(passphrase, salt, params)
        wrapped = AESGCM(wrapping_key).encrypt(nonce, data_key, draft._aad())
        return cls(store_id, salt, params, nonce, wrapped)

    def unwrap(self, passphrase: str) -> bytes:
        wrapping_key = derive(passphrase, self.salt, self.params)
        try:
            key = AESGCM(wrapping_key).decrypt(self.nonce, self.wrapped_key, self._aad())
        except InvalidTag:
            # A wrong passphrase and an altered file look the same to AES-GCM; the passphrase is
            # far more likely, and saying so sends nobody to support for a typo.
            raise WrongPassphrase(
                "That passphrase did not unlock Waymark. Nothing has been changed. Check Caps Lock and try again."
            ) from None
        if len(key) != DATA_KEY_BYTES:
            raise KeyFileDamaged("The Waymark key file is damaged. Nothing has been changed. Contact support.")
        return key

    def _fields(self) -> dict[str, object]:
        b64 = base64.b64encode
        return {
            "format": FORMAT,
            "store_id": self.store_id,
            "kdf": {"name": "argon2id", **asdict(self.params)},
            "salt": b64(self.salt).decode(),
            "nonce": b64(self.nonce).decode(),
            "wrapped_key": b64(self.wrapped_key).decode(),
        }

    def to_json(self) -> str:
        fields = self._fields()
        # A plain digest, not a MAC: it tells accidental damage or a crude edit apart from a mistyped
        # passphrase. Security rests on the AAD, which an edit that fixes the digest still fails.
        return json.dumps({**fields, "check": _digest(fields)}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        try:
            doc = json.loads(text)
            if doc["format"] != FORMAT or doc["kdf"]["name"] != "argon2id":
                raise ValueError("unknown format")
            params = KdfParams(int(doc["kdf"]["memory_kib"]), int(doc["kdf"]["iterations"]), int(doc["kdf"]["lanes"]))
            b64d = base64.b64decode
            key_file = cls(
                str(doc["store_id"]),
                b64d(doc["salt"], validate=True),
                params,
                b64d(doc["nonce"], validate=True),
                b64d(doc["wrapped_key"], validate=True),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyFileDamaged(
                "The Waymark key file is damaged or was altered, so the data cannot be unlocked. "
                "Nothing has been changed. Contact support; do not delete the data folder."
            ) from exc
        if doc.get("check") != _digest(key_file._fields()):
            raise KeyFileDamaged(
                "The Waymark key file was altered or damaged (its check value does not match), so the data "
                "cannot be unlocked. Nothing has been changed. Contact support; do not delete the data folder."
            )
        if len(key_file.salt) != 16 or len(key_file.nonce) != 12:
            raise KeyFileDamaged("The Waymark key file is damaged. Nothing has been changed. Contact support.")
        return key_file

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyFileDamaged(
                "The Waymark key file could not be read. Nothing has been changed. Contact support."
            ) from exc
        return cls.from_json(text)

    def write(self, path: Path) -> None:
        write_atomically(path, self.to_json().encode("utf-8"))


def _digest(fields: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def write_atomically(path: Path, data: bytes, *, sync_folder: bool = True) -> None:
    """Temp file, restrictive mode before any byte, fsync, rename, fsync the folder (unless the caller
    can live with the rename itself being lost in a power cut, i.e. finding the previous file).

    The temp file gets a fresh random name and is created with O_EXCL | O_NOFOLLOW: a file or symlink
    planted at a predictable name can neither redirect the write nor be truncated by it.
    """
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not sync_folder:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
