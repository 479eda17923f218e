"""The server's secrets — the command signing key and the cursor HMAC key — kept out of the database.

They come from environment variables (``WAYMARK_SERVER_SIGNING_KEY`` and ``WAYMARK_SERVER_CURSOR_KEY``, hex)
or from a keys file readable by its owner only (``--keys FILE`` or ``WAYMARK_SERVER_KEYS_FILE``; by default
``<database file>.keys`` beside an SQLite database, else ``server.keys`` in the platform data folder). A
database backup therefore holds no key that could sign a wipe or forge a cursor. The database keeps only
what is not secret: the epoch, and a fingerprint of the keys it was made with, so a server started with
another deployment's keys (which every enrolled device would reject) refuses to start instead.

Several server processes on one PostgreSQL database must be given the same keys: make them once with
``waymark-server admin create-keys`` and hand the file (or its two values) to each.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from sqlalchemy import Connection, delete, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sync.server.errors import SettingsError
from sync.server.models import AuditHead, ServerMeta

GENESIS = "0" * 64
SIGNING_ENV = "WAYMARK_SERVER_SIGNING_KEY"
CURSOR_ENV = "WAYMARK_SERVER_CURSOR_KEY"
FILE_ENV = "WAYMARK_SERVER_KEYS_FILE"
# Rows that held the secrets before they left the database; moved out at the first start after upgrading.
LEGACY_ROWS = ("signing_key", "cursor_key")


@dataclass(frozen=True)
class Secrets:
    signing_key: Ed25519PrivateKey
    cursor_key: bytes

    @classmethod
    def generate(cls) -> Secrets:
        return cls(Ed25519PrivateKey.generate(), secrets.token_bytes(32))

    @classmethod
    def from_hex(cls, signing_hex: str, cursor_hex: str) -> Secrets:
        try:
            signing, cursor = bytes.fromhex(signing_hex), bytes.fromhex(cursor_hex)
        except ValueError:
            raise SettingsError("the server keys are not hex") from None
        if len(signing) != 32 or len(cursor) < 32:
            raise SettingsError(
                "the server keys have the wrong length: make them with `waymark-server admin create-keys`"
            )
        return cls(Ed25519PrivateKey.from_private_bytes(signing), cursor)

    @property
    def public_key_hex(self) -> str:
        return self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    @property
    def signing_hex(self) -> str:
        return self.signing_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()

    @property
    def fingerprint(self) -> str:
        """Names the pair without revealing either: the public key and a hash of the cursor key."""
        return hashlib.sha256(bytes.fromhex(self.public_key_hex) + hashlib.sha256(self.cursor_key).digest()).hexdigest()

    def same_as(self, other: Secrets) -> bool:
        return self.fingerprint == other.fingerprint


@dataclass(frozen=True)
class KeySource:
    """Where the secrets come from: two environment values, or a file (which may not exist yet)."""

    file: Path | None
    env: tuple[str, str] | None = None

    def describe(self) -> str:
        return f"{SIGNING_ENV}/{CURSOR_ENV}" if self.env else str(self.file)


def source_for(db_url: str, keys_file: Path | None = None, environ: Mapping[str, str] | None = None) -> KeySource:
    env = os.environ if environ is None else environ
    signing, cursor = env.get(SIGNING_ENV), env.get(CURSOR_ENV)
    if signing or cursor:
        if not (signing and cursor):
            raise SettingsError(f"give both {SIGNING_ENV} and {CURSOR_ENV}, or neither")
        return KeySource(None, (signing, cursor))
    if keys_file is not None:
        return KeySource(keys_file)
    if env.get(FILE_ENV):
        return KeySource(Path(env[FILE_ENV]))
    return KeySource(default_file(db_url))


def default_file(db_url: str) -> Path:
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        database = Path(parsed.database)
        return database.with_name(database.name + ".keys")
    return Path(platformdirs.user_data_dir("waymark-server", appauthor=False)) / "server.keys"


def read(source: KeySource) -> Secrets | None:
    """The secrets, or None when the file does not exist yet."""
    if source.env is not None:
        return Secrets.from_hex(*source.env)
    assert source.file is not None
    try:
        mode = source.file.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SettingsError(
            f"the server keys file {source.file} can be read by other users: run `chmod 600 {source.file}`"
        )
    try:
        data = json.loads(source.file.read_text(encoding="utf-8"))
        return Secrets.from_hex(data["signing_key"], data["cursor_key"])
    except (OSError, ValueError, KeyError, TypeError):
        raise SettingsError(f"cannot read the server keys file {source.file}") from None


def write_file(path: Path, keys: Secrets) -> None:
    """Create the keys file, owner-only from its first byte; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"signing_key": keys.signing_hex, "cursor_key": keys.cursor_key.hex()}).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SettingsError(f"{path} already exists; it was not changed") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())


def create(path: Path) -> Secrets:
    keys = Secrets.generate()
    write_file(path, keys)
    return keys


def move_legacy(connection: Connection, source: KeySource) -> None:
    """Upgrade step: secrets a database from before this change held are written to the keys source (a new
    file) and deleted from the database, the same keys, so enrolled devices and their cursors keep working."""
    rows = dict(
        connection.execute(select(ServerMeta.key, ServerMeta.value).where(ServerMeta.key.in_(LEGACY_ROWS))).all()
    )
    if not rows:
        return
    legacy = Secrets.from_hex(rows["signing_key"], rows["cursor_key"])
    current = read(source)
    if current is None:
        if source.file is None:
            raise SettingsError("cannot move the server keys out of the database into environment variables")
        write_file(source.file, legacy)
    elif not current.same_as(legacy):
        raise SettingsError(
            f"the server keys in {source.describe()} are not the ones this database was using; nothing was changed"
        )
    connection.execute(delete(ServerMeta).where(ServerMeta.key.in_(LEGACY_ROWS)))
    connection.execute(ServerMeta.__table__.insert().values(key="keys_fingerprint", value=legacy.fingerprint))


def ensure(connection: Connection, source: KeySource) -> Secrets:
    """At every start: the secrets (made at first start), checked against the database; the epoch and the
    audit chain's head if this database has none."""
    move_legacy(connection, source)
    meta = dict(connection.execute(select(ServerMeta.key, ServerMeta.value)).all())
    found = read(source)
    recorded = meta.get("keys_fingerprint")
    if found is None:
        if recorded is not None:
            raise SettingsError(
                f"this database's server keys are missing (expected {source.describe()}): restore the keys file, "
                "or give the keys in the environment"
            )
        assert source.file is not None
        found = create(source.file)
    if recorded is None:
        connection.execute(ServerMeta.__table__.insert().values(key="keys_fingerprint", value=found.fingerprint))
    elif recorded != found.fingerprint:
        raise SettingsError(
            f"the server keys in {source.describe()} are not this database's (another deployment's?): devices "
            "enrolled here would reject its commands, so the server does not start"
        )
    if "epoch" not in meta:
        connection.execute(ServerMeta.__table__.insert().values(key="epoch", value=secrets.token_hex(8)))
    if connection.scalar(select(AuditHead.id)) is None:
        connection.execute(AuditHead.__table__.insert().values(id=1, last_id=0, last_hash=GENESIS))
    return found


@dataclass(frozen=True)
class ServerKeys:
    epoch: str
    cursor_key: bytes
    signing_key: Ed25519PrivateKey

    @property
    def public_key_hex(self) -> str:
        return self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def load(session: Session, held: Secrets) -> ServerKeys:
    """The secrets with the epoch, which is read afresh: another process may have changed it."""
    epoch = session.scalars(select(ServerMeta.value).where(ServerMeta.key == "epoch")).one()
    return ServerKeys(epoch=epoch, cursor_key=held.cursor_key, signing_key=held.signing_key)


def new_epoch(session: Session) -> str:
    """After a restore from backup: every client must re-push and re-snapshot (PROTOCOL.md §2.6)."""
    epoch = secrets.token_hex(8)
    row = session.get(ServerMeta, "epoch")
    assert row is not None
    row.value = epoch
    return epoch
