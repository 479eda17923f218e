"""A data folder on disk: the encrypted database, its wrapped key, and unlock throttling."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
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
ATTEMPTS_FIELD = "unlock_attempts"


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


# The delay doubles per failure up to this cap; the exponent is capped too, so no count can overflow.
_MAX_EXPONENT = 16


@dataclass
class Throttle:
    """Failed unlocks slow down, and never wipe. State holds no secrets.

    The count is kept twice: in its own file and inside the key file (outside the key file's check
    value, since a wrong passphrase must be able to record it). The higher count wins, so deleting the
    attempts file does not reset the wait, and deleting the key file leaves nothing to unlock. Attempts
    are serialised with a lock on the data folder, so parallel guessers queue instead of sharing a wait.
    A clock stepped back (a last failure "in the future") counts as now, and nothing here can stop the
    right passphrase beyond the wait already due.
    """

    path: Path
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    failures: int = field(init=False, default=0)
    last_failure: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.reload()

    @property
    def _key_file(self) -> Path:
        return self.path.with_name(KEY_NAME)

    def reload(self) -> None:
        found = [_read_attempts(self.path), _read_key_file_attempts(self._key_file)]
        self.failures, self.last_failure = max(found)

    def delay(self) -> float:
        """Seconds still to wait before the next attempt may be tried (never more than the cap)."""
        if self.failures <= 0:
            return 0.0
        wanted = min(2.0 ** min(self.failures - 1, _MAX_EXPONENT), MAX_DELAY_SECONDS)
        now = self.clock()
        last = min(self.last_failure, now)  # a failure "in the future" means the clock went back
        return min(wanted, max(0.0, last + wanted - now))

    def wait(self) -> None:
        remaining = self.delay()
        if remaining > 0:
            self.sleep(remaining)

    def failed(self) -> None:
        self.failures = min(self.failures + 1, 1_000_000)
        self.last_failure = self.clock()
        self._save()

    def succeeded(self) -> None:
        if self.failures:
            self.failures, self.last_failure = 0, 0.0
            self._save()

    @contextlib.contextmanager
    def attempt(self) -> Iterator[None]:
        """Hold the data folder's unlock lock for one attempt, reading the latest count under it."""
        with _folder_lock(self.path.parent):
            self.reload()
            yield

    def _save(self) -> None:
        doc = {"failures": self.failures, "last_failure": self.last_failure}
        # Best effort: a path made unwritable (a folder put in its place) must not crash the unlock;
        # the copy in the key file still counts.
        with contextlib.suppress(OSError):
            write_atomically(self.path, json.dumps(doc).encode())
        with contextlib.suppress(OSError, ValueError):
            key_doc = json.loads(self._key_file.read_text(encoding="utf-8"))
            if isinstance(key_doc, dict) and key_doc.get("format"):
                key_doc[ATTEMPTS_FIELD] = doc
                write_atomically(self._key_file, json.dumps(key_doc, indent=2).encode("utf-8"))


def _parse_attempts(doc: object) -> tuple[int, float]:
    try:
        assert isinstance(doc, dict)
        failures = max(0, min(int(doc["failures"]), 1_000_000))
        last = float(doc["last_failure"])
        if last != last or last in (float("inf"), float("-inf")):
            return failures, 0.0
        return failures, last
    except (AssertionError, ValueError, KeyError, TypeError, OverflowError):
        return 0, 0.0


def _read_attempts(path: Path) -> tuple[int, float]:
    try:
        return _parse_attempts(json.loads(path.read_text()))
    except (OSError, ValueError, UnicodeDecodeError):
        return 0, 0.0


def _read_key_file_attempts(path: Path) -> tuple[int, float]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return 0, 0.0
    return _parse_attempts(doc.get(ATTEMPTS_FIELD)) if isinstance(doc, dict) else (0, 0.0)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: a lock file beside the store
        import msvcrt

        fd = os.open(folder / "unlock.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
            yield
        finally:
            os.close(fd)
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def unwrap_key(data_dir: Path, passphrase: str, throttle: Throttle | None = None) -> bytes:
    _require_store(data_dir)
    key_file = KeyFile.read(key_path(data_dir))
    throttle = throttle or Throttle(data_dir / THROTTLE_NAME)
    with throttle.attempt():
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
