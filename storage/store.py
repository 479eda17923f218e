"""A data folder on disk: the encrypted database, its wrapped key, and the sealed record of its state.

Opening checks the database on a connection that cannot write (so a refused open changes nothing),
then compares it with its seal (storage/seal.py). A database behind its seal has lost records: its
files are copied aside for support and the store opens read-only, saying plainly what is missing.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Connection, Engine, event, select, text
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.orm import Session, sessionmaker

from storage import migrations, seal
from storage.engine import Codec, connect_read_only, open_engine, verify_encrypted
from storage.errors import (
    DatabaseDamaged,
    KeyFileMismatch,
    NotAStore,
    RecordsMissing,
    StoreExists,
    WrongPassphrase,
)
from storage.keyfile import KdfParams, KeyFile, new_data_key
from storage.layout import DB_NAME as DB_NAME
from storage.layout import KEY_NAME as KEY_NAME
from storage.layout import PENDING_KEY_NAME, seal_path
from storage.layout import THROTTLE_NAME as THROTTLE_NAME
from storage.layout import db_path as db_path
from storage.layout import exists as exists
from storage.layout import key_path as key_path
from storage.layout import store_files as store_files
from storage.models import AuditEvent, Meta
from storage.throttle import MAX_DELAY_SECONDS as MAX_DELAY_SECONDS
from storage.throttle import Throttle as Throttle

log = logging.getLogger(__name__)

AUDIT_KEY = "audit_key"  # Session.info entry: the audit chain's HMAC key (app/audit.py)
READ_ONLY = "read_only"  # Session.info entry: the store's read-only switch (a threading.Event)
_CHANGES = "waymark_changes_at_begin"
_SEALING = "waymark_sealing"
_META_DEFAULTS = {"commits": "0", "last_commit_at": ""}


@dataclass
class Store:
    data_dir: Path
    engine: Engine
    sessions: sessionmaker[Session]
    codec: Codec = Codec.SQLCIPHER
    # Set when records are missing or the database was altered: the store is then read-only, and this
    # is what the worker is told.
    problem: str | None = None
    read_only: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        # Pooled connections hold the key inside SQLCipher; disposing drops them.
        self.engine.dispose()

    def degrade(self, problem: str) -> None:
        """A check found the store damaged after it opened: keep its files for support, stop writing."""
        if self.problem is None:
            kept = _keep_aside(self.data_dir)
            self.problem = f"{problem} {_what_now(kept)}"
        self.read_only.set()
        self.engine.dispose()  # connections made from now on refuse writes


def create(
    data_dir: Path,
    passphrase: str,
    params: KdfParams,
    codec: Codec = Codec.SQLCIPHER,
    prepare: Callable[[Store], None] | None = None,
) -> tuple[Store, str]:
    """A new store at the latest schema, returned open with its store id.

    It is built in a temporary sibling folder and renamed into place once complete (``prepare`` runs
    on it first, e.g. to fill in the demo organisation), so an interrupted creation leaves no store.
    """
    _refuse_non_folder(data_dir)
    if exists(data_dir):
        raise StoreExists(f"There is already Waymark data in {data_dir}. Nothing has been changed.")
    if data_dir.is_dir() and any(data_dir.iterdir()):
        raise StoreExists(
            f"{data_dir} already holds other files, so Waymark will not create its data there. "
            "Nothing has been changed. Choose an empty or new folder."
        )
    parent = data_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NotAStore(f"{parent} cannot be created: {exc.strerror}. Nothing has been changed.") from None
    for stale in parent.glob(f".{data_dir.name}.creating-*"):
        shutil.rmtree(stale, ignore_errors=True)  # an earlier creation that was interrupted
    building = parent / f".{data_dir.name}.creating-{secrets.token_hex(4)}"
    building.mkdir(mode=0o700)
    data_key = new_data_key()
    store_id = str(uuid.uuid4())
    try:
        KeyFile.wrap(data_key, passphrase, params, store_id).write(key_path(building))
        # Created 0600 before SQLite touches it: its -wal and -shm take the database's mode.
        os.close(os.open(db_path(building), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        store = _open_database(building, data_key, codec, store_id, create=True)
        try:
            if prepare is not None:
                prepare(store)
        finally:
            store.close()
        os.replace(building, data_dir)
        _fsync_folder(parent)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return _open_database(data_dir, data_key, codec, store_id, create=False), store_id


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
    _finish_rekey(data_dir, passphrase, codec)
    data_key = unwrap_key(data_dir, passphrase, throttle)
    store_id = KeyFile.read(key_path(data_dir)).store_id
    return _open_database(data_dir, data_key, codec, store_id, create=False)


def change_passphrase(data_dir: Path, old: str, new: str, params: KdfParams, throttle: Throttle | None = None) -> Store:
    """Re-wrap the data key only (the database is not re-encrypted); returns the store, open, so the
    caller can audit the change."""
    data_key = unwrap_key(data_dir, old, throttle)
    store_id = KeyFile.read(key_path(data_dir)).store_id
    store = _open_database(data_dir, data_key, Codec.SQLCIPHER, store_id, create=False)
    if store.problem:
        store.close()
        raise RecordsMissing(store.problem)
    KeyFile.wrap(data_key, new, params, store_id).write(key_path(data_dir))
    return store


def rekey(data_dir: Path, passphrase: str, params: KdfParams, throttle: Throttle | None = None) -> Store:
    """A new data key: the database re-encrypted under it (``PRAGMA rekey``), the key file replaced.

    Crash-safe: the new key is written beside the old one first; the database switches keys in one
    transaction; only then is the seal re-keyed and the new key file renamed over the old. An open
    after a crash at any point finishes or abandons the change (``_finish_rekey``). Returns the store,
    open under the new key, so the caller can audit the change.
    """
    _finish_rekey(data_dir, passphrase, Codec.SQLCIPHER)
    old_key = unwrap_key(data_dir, passphrase, throttle)
    store_id = KeyFile.read(key_path(data_dir)).store_id
    store = _open_database(data_dir, old_key, Codec.SQLCIPHER, store_id, create=False)
    problem = store.problem
    store.close()
    if problem:
        raise RecordsMissing(problem)
    new_key = new_data_key()
    pending = data_dir / PENDING_KEY_NAME
    KeyFile.wrap(new_key, passphrase, params, store_id).write(pending)
    conn = sqlcipher3.connect(str(db_path(data_dir)), isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{old_key.hex()}'\"")
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    finally:
        conn.close()
    _complete_rekey(data_dir, old_key, new_key)
    return _open_database(data_dir, new_key, Codec.SQLCIPHER, store_id, create=False)


def _complete_rekey(data_dir: Path, old_key: bytes, new_key: bytes) -> None:
    """The database is under ``new_key``: move the seal and then the key file over to it."""
    try:
        state = seal.read(seal_path(data_dir), seal.derive_key(old_key, "seal"))
    except seal.SealBroken:
        state = None  # already re-keyed by an earlier, interrupted run (or damaged: the open will say)
    if state is not None:
        seal.Sealer(seal_path(data_dir), seal.derive_key(new_key, "seal")).write(state)
    os.replace(data_dir / PENDING_KEY_NAME, key_path(data_dir))
    _fsync_folder(data_dir)


def _finish_rekey(data_dir: Path, passphrase: str, codec: Codec) -> None:
    """After a rekey was interrupted: keep whichever key the database is under."""
    pending = data_dir / PENDING_KEY_NAME
    if codec is not Codec.SQLCIPHER or not pending.exists():
        return
    old_key = unwrap_key(data_dir, passphrase)
    if _reads_with(data_dir, old_key):
        pending.unlink()  # the database never switched: the old key stays
        return
    new_key = KeyFile.read(pending).unwrap(passphrase)
    if _reads_with(data_dir, new_key):
        _complete_rekey(data_dir, old_key, new_key)


def _reads_with(data_dir: Path, key: bytes) -> bool:
    try:
        connect_read_only(db_path(data_dir), key).close()
    except DatabaseDamaged:
        return False
    return True


def _require_store(data_dir: Path) -> None:
    _refuse_non_folder(data_dir)
    if not data_dir.is_dir():
        raise NotAStore(f"{data_dir} does not exist or is not a folder.")
    if not key_path(data_dir).exists() or not db_path(data_dir).exists():
        raise NotAStore(
            f"{data_dir} is not a Waymark data folder (its key file or database is missing). Nothing has been changed."
        )


def _refuse_non_folder(data_dir: Path) -> None:
    for path in (data_dir, *data_dir.parents):
        if path.exists() and not path.is_dir():
            raise NotAStore(
                f"{path} is a file, not a folder, so it cannot hold Waymark data. Nothing has been changed."
            )


@dataclass(frozen=True, slots=True)
class _Found:
    commits: int
    last_commit_at: str
    audit_seq: int
    audit_hash: str


_DB_ERRORS = (SADatabaseError, sqlcipher3.DatabaseError, sqlite3.DatabaseError)


def _inspect(data_dir: Path, data_key: bytes, codec: Codec, store_id: str) -> _Found:
    """Everything the open needs to know, read on a connection that cannot write."""
    try:
        conn = connect_read_only(db_path(data_dir), data_key, codec)
    except DatabaseDamaged:
        sealed_for = seal.unverified_store_id(seal_path(data_dir))
        if sealed_for is not None and sealed_for != store_id:
            raise KeyFileMismatch(
                "The key file in this data folder belongs to a different Waymark store than the database "
                "beside it, so the data cannot be unlocked. Nothing has been changed. Contact support; "
                "do not delete the data folder."
            ) from None
        raise
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "audit_event"} <= tables:
            raise DatabaseDamaged(
                "The Waymark database on this laptop holds no Waymark data: it is empty or was replaced. "
                "Nothing has been changed. Contact support before recording anything else on this laptop."
            )
        if [row[0] for row in conn.execute("PRAGMA quick_check")] != ["ok"]:
            raise DatabaseDamaged(
                "The Waymark database failed its integrity check: part of it is damaged or was altered. "
                "Nothing has been changed. Contact support before recording anything else on this laptop."
            )
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('commits', 'last_commit_at')"))
        head = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    except _DB_ERRORS as exc:
        raise DatabaseDamaged(
            "The Waymark database could not be read: it is damaged or was altered. Nothing has been changed. "
            "Contact support before recording anything else on this laptop."
        ) from exc
    finally:
        conn.close()
    return _Found(
        int(meta.get("commits") or 0),
        str(meta.get("last_commit_at") or ""),
        int(head[0]) if head else 0,
        str(head[1]) if head else "",
    )


def _compare(found: _Found, data_dir: Path, seal_key: bytes) -> str | None:
    """What is wrong, in the worker's words, when the database is not the one its seal describes."""
    try:
        sealed = seal.read(seal_path(data_dir), seal_key)
    except seal.SealBroken:
        return (
            "The record of the work saved on this laptop was altered or damaged, so Waymark cannot confirm "
            "that every record saved here is still here."
        )
    if sealed is None:
        if found.commits == 0:
            return None  # a store from before seals existed: it is sealed from this open on
        return (
            "The record of the work saved on this laptop is missing, so Waymark cannot confirm that every "
            "record saved here is still here."
        )
    if found.commits < sealed.commits:
        return (
            f"Records saved on this laptop after {_when(found.last_commit_at)} are missing from it "
            f"(the last record was saved {_when(sealed.last_commit_at)})."
        )
    if found.commits == sealed.commits and (found.audit_seq, found.audit_hash) != (sealed.audit_seq, sealed.audit_hash):
        return "The records on this laptop were changed outside Waymark: they do not match the work saved here."
    return None


def _when(iso: str) -> str:
    if not iso:
        return "the data folder was created"
    at = datetime.fromisoformat(iso).astimezone()
    return f"{at:%H:%M} on {at.day} {at:%b %Y}"


def _what_now(kept: Path) -> str:
    return (
        "Waymark has opened your records read-only so that nothing more is lost, and kept a copy of the "
        f"damaged files for support in {kept}. Do not delete the data folder. Contact support, and use your "
        "service's contingency arrangements for new records until they have helped. Records this laptop has "
        "already sent to the server can be restored from it."
    )


def _keep_aside(data_dir: Path) -> Path:
    """Copies of the store's files as they are now, for support; the originals are never written over.

    A frozen store is found the same way at every open: its files are copied once, not at every open.
    """
    present = [path for path in store_files(data_dir) if path.exists() and not path.name.endswith("-shm")]
    for earlier in sorted(data_dir.glob("kept-for-support-*"), reverse=True):
        if all(_same_file(path, earlier / path.name) for path in present):
            return earlier
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = data_dir / f"kept-for-support-{stamp}"
    n = 1
    while kept.exists():
        n += 1
        kept = data_dir / f"kept-for-support-{stamp}-{n}"
    kept.mkdir(mode=0o700)
    for path in store_files(data_dir):
        if path.exists():
            shutil.copy2(path, kept / path.name)
    _fsync_folder(kept)
    return kept


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _open_database(data_dir: Path, data_key: bytes, codec: Codec, store_id: str, *, create: bool) -> Store:
    path = db_path(data_dir)
    seal_key = seal.derive_key(data_key, "seal")
    problem = None
    if not create:
        problem = _compare(_inspect(data_dir, data_key, codec, store_id), data_dir, seal_key)
        if problem:
            log.warning("store opened read-only: it does not match its sealed state")
            problem = f"{problem} {_what_now(_keep_aside(data_dir))}"
    read_only = threading.Event()
    if problem:
        read_only.set()
    engine = open_engine(path, data_key, codec, read_only)
    try:
        if create:
            migrations.create_schema(engine)
        if codec is Codec.SQLCIPHER:
            verify_encrypted(engine, path)
        if problem:
            audit_key = _read_audit_key(engine)
        else:
            if not create:
                migrations.upgrade(engine)
            audit_key = _prepare_meta(engine)
    except _DB_ERRORS as exc:
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
    sessions = sessionmaker(engine, expire_on_commit=False, info={AUDIT_KEY: audit_key, READ_ONLY: read_only})
    store = Store(data_dir, engine, sessions, codec, problem, read_only)
    if not problem:
        if codec is Codec.SQLCIPHER:
            _tighten_modes(data_dir)
        sealer = seal.Sealer(seal_path(data_dir), seal_key)
        _seal_after_commits(sessions, sealer, store_id)
        with engine.connect() as conn:
            sealer.write(_state(conn, store_id))
    return store


def _tighten_modes(data_dir: Path) -> None:
    """Modes loosened since the last open (a copy, a restore, a careless chmod) are put back."""
    os.chmod(data_dir, 0o700)
    for path in store_files(data_dir):
        if path.exists() and not path.is_symlink():
            os.chmod(path, 0o600)


def _read_audit_key(engine: Engine) -> bytes | None:
    with engine.connect() as conn:
        value = conn.execute(select(Meta.value).where(Meta.key == "audit_key")).scalar_one_or_none()
    return bytes.fromhex(value) if value else None


def _prepare_meta(engine: Engine) -> bytes:
    """The rows sealing and the keyed audit chain need; added (once) to a store from before them.

    The audit chain's key is random and kept inside the encrypted database rather than derived from the
    data key, so a `rekey` does not break the chain of events written before it.
    """
    with engine.connect() as conn:
        meta = dict(conn.execute(select(Meta.key, Meta.value)).tuples().all())
        last_seq = conn.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)).scalar()
    missing = {key: value for key, value in _META_DEFAULTS.items() if key not in meta}
    if "audit_key" not in meta:
        missing["audit_key"] = secrets.token_hex(32)
        # Events before this one were chained with plain SHA-256; they are verified that way.
        missing["audit_keyed_from"] = str((last_seq or 0) + 1)
    if missing:
        with engine.begin() as conn:
            conn.execute(Meta.__table__.insert(), [{"key": k, "value": v} for k, v in missing.items()])
    return bytes.fromhex(meta.get("audit_key") or missing["audit_key"])


def _state(conn: Connection, store_id: str) -> seal.StoreState:
    meta = dict(conn.execute(select(Meta.key, Meta.value).where(Meta.key.in_(_META_DEFAULTS))).tuples().all())
    head = conn.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return seal.StoreState(
        store_id,
        int(meta.get("commits") or 0),
        meta.get("last_commit_at") or "",
        int(head[0]) if head else 0,
        str(head[1]) if head else "",
    )


def _seal_after_commits(sessions: sessionmaker[Session], sealer: seal.Sealer, store_id: str) -> None:
    """Each commit that changed something counts itself in the database and, once committed, in the seal."""

    def after_begin(session: Session, _transaction: Any, connection: Connection) -> None:
        session.info[_CHANGES] = _total_changes(connection)

    def before_commit(session: Session) -> None:
        session.flush()
        conn = session.connection()
        # SQLite's own count of rows written on this connection: any write, ORM or raw SQL, counts.
        if _total_changes(conn) == session.info.pop(_CHANGES, None):
            return
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        conn.execute(text("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'commits'"))
        conn.execute(Meta.__table__.update().where(Meta.key == "last_commit_at").values(value=now))
        session.info[_SEALING] = _state(conn, store_id)

    def after_commit(session: Session) -> None:
        state = session.info.pop(_SEALING, None)
        if state is None:
            return
        try:
            sealer.write(state)
        except OSError:
            # The save itself is committed. The seal catches up at the next save or open; until then
            # a loss of this one commit would go unnoticed, which the warning leaves a trace of.
            log.warning("the store's sealed state could not be written; it will be at the next save")

    def after_rollback(session: Session) -> None:
        session.info.pop(_CHANGES, None)
        session.info.pop(_SEALING, None)

    event.listen(sessions, "after_begin", after_begin)
    event.listen(sessions, "before_commit", before_commit)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_rollback", after_rollback)


def _total_changes(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT total_changes()").scalar_one())


def integrity_problem(store: Store) -> str | None:
    """The full ``integrity_check`` (slow on a big store: run it off the UI thread). Reads without
    taking the write lock, so saves go on meanwhile. None when the database is whole."""
    raw = store.engine.raw_connection()
    try:
        rows = [row[0] for row in raw.driver_connection.execute("PRAGMA integrity_check").fetchall()]  # type: ignore[union-attr]
    except _DB_ERRORS:
        rows = ["unreadable"]
    finally:
        raw.close()
    if rows == ["ok"]:
        return None
    return (
        "Part of the Waymark database on this laptop is damaged or was replaced with an older copy, so some "
        "records may be missing or unreadable."
    )


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
