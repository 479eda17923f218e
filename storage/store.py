"""A data folder on disk: the encrypted database, its wrapped key, and unlock throttling."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.orm import Session, sessionmaker

from storage import migrations
from storage.engine import Codec, open_engine, verify_encrypted
from storage.errors import DatabaseDamaged, NotAStore, StoreExists, WrongPassphrase
from storage.keyfile import KdfParams, KeyFile, new_data_key, write_atomically
from storage.layout import DB_NAME as DB_NAME
from storage.layout import KEY_NAME as KEY_NAME
from storage.layout import THROTTLE_NAME as THROTTLE_NAME
from storage.layout import db_path as db_path
from storage.layout import exists as exists
from storage.layout import key_path as key_path
from storage.layout import store_files as store_files

MAX_DELAY_SECONDS = 30.0


@dataclass
class Store:
    data_dir: Path
    engine: Engine
    sessions: sessionmaker[Session]
    codec: Codec = Codec.SQLCIPHER

    def close(self) -> None:
        # Pooled connections hold the key inside SQLCipher; disposing drops them.
        self.engine.dispose()


def create(data_dir: Path, passphrase: str, params: KdfParams, codec: Codec = Codec.SQLCIPHER) -> tuple[Store, str]:
    """A new, empty store at the latest schema. Returns it with its store id."""
    if exists(data_dir):
        raise StoreExists(f"There is already Waymark data in {data_dir}. Nothing has been changed.")
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    data_key = new_data_key()
    store_id = str(uuid.uuid4())
    # The key file goes first: a database that exists without its key could never be opened.
    KeyFile.wrap(data_key, passphrase, params, store_id).write(key_path(data_dir))
    store = _open_database(data_dir, data_key, codec, create=True)
    return store, store_id


@dataclass
class Throttle:
    """Failed unlocks slow down, and never wipe. State lives beside the store, holding no secrets."""

    path: Path
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    failures: int = field(init=False, default=0)
    last_failure: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        try:
            doc = json.loads(self.path.read_text())
            self.failures = int(doc["failures"])
            self.last_failure = float(doc["last_failure"])
        except (OSError, ValueError, KeyError, TypeError):
            self.failures, self.last_failure = 0, 0.0

    def delay(self) -> float:
        """Seconds still to wait before the next attempt may be tried."""
        if self.failures == 0:
            return 0.0
        wanted = min(2.0 ** (self.failures - 1), MAX_DELAY_SECONDS)
        return max(0.0, self.last_failure + wanted - self.clock())

    def wait(self) -> None:
        remaining = self.delay()
        if remaining > 0:
            self.sleep(remaining)

    def failed(self) -> None:
        self.failures += 1
        self.last_failure = self.clock()
        self._save()

    def succeeded(self) -> None:
        if self.failures:
            self.failures, self.last_failure = 0, 0.0
            self._save()

    def _save(self) -> None:
        doc = {"failures": self.failures, "last_failure": self.last_failure}
        write_atomically(self.path, json.dumps(doc).encode())


def unwrap_key(data_dir: Path, passphrase: str, throttle: Throttle | None = None) -> bytes:
    _require_store(data_dir)
    key_file = KeyFile.read(key_path(data_dir))
    throttle = throttle or Throttle(data_dir / THROTTLE_NAME)
    throttle.wait()
    try:
        data_key = key_file.unwrap(passphrase)
    except WrongPassphrase:
        throttle.failed()
        raise
    throttle.succeeded()
    return data_key


def open_(data_dir: Path, passphrase: str, throttle: Throttle | None = None, codec: Codec = Codec.SQLCIPHER) -> Store:
    data_key = unwrap_key(data_dir, passphrase, throttle)
    return _open_database(data_dir, data_key, codec, create=False)


def change_passphrase(data_dir: Path, old: str, new: str, params: KdfParams, throttle: Throttle | None = None) -> None:
    """Re-wrap the data key only; the database itself is untouched."""
    data_key = unwrap_key(data_dir, old, throttle)
    store_id = KeyFile.read(key_path(data_dir)).store_id
    KeyFile.wrap(data_key, new, params, store_id).write(key_path(data_dir))


def _require_store(data_dir: Path) -> None:
    if not data_dir.is_dir():
        raise NotAStore(f"{data_dir} does not exist or is not a folder.")
    if not key_path(data_dir).exists() or not db_path(data_dir).exists():
        raise NotAStore(
            f"{data_dir} is not a Waymark data folder (its key file or database is missing). Nothing has been changed."
        )


def _open_database(data_dir: Path, data_key: bytes, codec: Codec, *, create: bool) -> Store:
    path = db_path(data_dir)
    engine = open_engine(path, data_key, codec)
    try:
        if create:
            migrations.create_schema(engine)
        if codec is Codec.SQLCIPHER:
            verify_encrypted(engine, path)
        if not create:
            _check_integrity(engine)
            migrations.upgrade(engine)
    except (SADatabaseError, sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        if isinstance(getattr(exc, "orig", None), DatabaseDamaged):
            raise exc.orig from None  # type: ignore[misc]
        raise DatabaseDamaged(
            "The Waymark database could not be read: it is damaged or was altered. Nothing has been "
            "changed. Contact support before recording anything else on this laptop."
        ) from exc
    except Exception:
        engine.dispose()
        raise
    if codec is Codec.SQLCIPHER:
        os.chmod(path, 0o600)
    return Store(data_dir, engine, sessionmaker(engine, expire_on_commit=False), codec)


def _check_integrity(engine: Engine) -> None:
    with engine.connect() as conn:
        result = conn.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if result != ["ok"]:
        raise DatabaseDamaged(
            "The Waymark database failed its integrity check: part of it is damaged or was altered. "
            "Nothing has been changed. Contact support before recording anything else on this laptop."
        )
