"""`waymark rekey`: a new data key, so a copy of the old key file with the old passphrase opens nothing;
crash-safe under SIGKILL at any point; audited."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import func, select

from app.audit import AuditAction
from app.workspace import Workspace, rekey
from storage import seal
from storage import store as store_mod
from storage.errors import StoreError
from storage.keyfile import KeyFile, new_data_key
from storage.layout import KEY_NAME, PENDING_KEY_NAME, SEAL_NAME
from storage.models import AuditEvent, ContactNote
from tests.conftest import PASSPHRASE, TEST_KDF

ROOT = Path(__file__).resolve().parents[2]
DEEP = int(os.environ.get("WAYMARK_DEEP", "0"))


def _notes(data_dir: Path) -> int:
    ws = Workspace.open(data_dir, PASSPHRASE)
    try:
        assert ws.problem is None, ws.problem
        with ws.store.sessions() as session:
            return session.scalar(select(func.count()).select_from(ContactNote)) or 0
    finally:
        ws.close()


def test_after_rekey_a_copy_of_the_old_key_file_opens_nothing(demo_dir: Path, tmp_path: Path) -> None:
    old_key_file = tmp_path / "old.key"
    shutil.copy(demo_dir / KEY_NAME, old_key_file)
    notes = _notes(demo_dir)
    old_key = store_mod.unwrap_key(demo_dir, PASSPHRASE)
    rekey(demo_dir, PASSPHRASE, kdf=TEST_KDF)
    assert store_mod.unwrap_key(demo_dir, PASSPHRASE) != old_key
    assert _notes(demo_dir) == notes
    ws = Workspace.open(demo_dir, PASSPHRASE)
    with ws.store.sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert ws.check_thoroughly() is None, "the audit chain survives the new key"
    ws.close()
    assert AuditAction.REKEYED in actions
    shutil.copy(old_key_file, demo_dir / KEY_NAME)
    with pytest.raises(StoreError):
        Workspace.open(demo_dir, PASSPHRASE)


_REKEY = (
    "import sys; from pathlib import Path; from app.workspace import rekey; "
    "from tests.conftest import PASSPHRASE, TEST_KDF; print('ready', flush=True); "
    "rekey(Path(sys.argv[1]), PASSPHRASE, kdf=TEST_KDF)"
)


def _start(data_dir: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _REKEY, str(data_dir)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"  # imports done
    return proc


def test_rekey_killed_at_any_point_loses_nothing(demo_dir: Path) -> None:
    notes = _notes(demo_dir)
    # One uninterrupted run measures how long a rekey takes here; the kills then land across it.
    start = time.monotonic()
    _start(demo_dir).communicate()
    duration = time.monotonic() - start
    assert _notes(demo_dir) == notes
    rng = random.Random(DEEP or 10)
    outcomes: list[str] = []
    for _ in range(3 + DEEP):
        before = store_mod.unwrap_key(demo_dir, PASSPHRASE)
        proc = _start(demo_dir)
        time.sleep(rng.uniform(0.0, duration))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        interrupted = (demo_dir / PENDING_KEY_NAME).exists()
        assert _notes(demo_dir) == notes  # opening finishes or abandons the interrupted rekey
        assert not (demo_dir / PENDING_KEY_NAME).exists()
        changed = store_mod.unwrap_key(demo_dir, PASSPHRASE) != before
        outcomes.append(("mid-rekey, " if interrupted else "") + ("new key" if changed else "old key"))
    print(outcomes)


def _interrupted_rekey(data_dir: Path, *, database_rekeyed: bool, seal_rekeyed: bool) -> bytes:
    """The files exactly as a kill between two of rekey's steps leaves them; returns the new key."""
    old_key = store_mod.unwrap_key(data_dir, PASSPHRASE)
    store_id = KeyFile.read(data_dir / KEY_NAME).store_id
    new_key = new_data_key()
    KeyFile.wrap(new_key, PASSPHRASE, TEST_KDF, store_id).write(data_dir / PENDING_KEY_NAME)
    if database_rekeyed:
        conn = sqlcipher3.connect(str(data_dir / "waymark.db"))
        conn.execute(f"PRAGMA key = \"x'{old_key.hex()}'\"")
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        conn.close()
    if seal_rekeyed:
        state = seal.read(data_dir / SEAL_NAME, seal.derive_key(old_key, "seal"))
        assert state is not None
        seal.Sealer(data_dir / SEAL_NAME, seal.derive_key(new_key, "seal")).write(state)
    return new_key


@pytest.mark.parametrize(
    ("database_rekeyed", "seal_rekeyed"),
    [(False, False), (True, False), (True, True)],
    ids=["new-key-written", "database-rekeyed", "seal-rekeyed"],
)
def test_an_open_after_a_rekey_killed_between_steps_keeps_everything(
    demo_dir: Path, database_rekeyed: bool, seal_rekeyed: bool
) -> None:
    Workspace.open(demo_dir, PASSPHRASE).close()  # sealed
    notes = _notes(demo_dir)
    old_key = store_mod.unwrap_key(demo_dir, PASSPHRASE)
    new_key = _interrupted_rekey(demo_dir, database_rekeyed=database_rekeyed, seal_rekeyed=seal_rekeyed)
    assert _notes(demo_dir) == notes  # the open finished or abandoned it, and found nothing missing
    assert not (demo_dir / PENDING_KEY_NAME).exists()
    assert store_mod.unwrap_key(demo_dir, PASSPHRASE) == (new_key if database_rekeyed else old_key)
