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
from sqlalchemy import func, select

from app.audit import AuditAction
from app.workspace import Workspace, rekey
from storage import store as store_mod
from storage.errors import StoreError
from storage.layout import KEY_NAME, PENDING_KEY_NAME
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


_REKEY = "import sys; from pathlib import Path; from app.workspace import rekey; from tests.conftest import " \
    "PASSPHRASE, TEST_KDF; rekey(Path(sys.argv[1]), PASSPHRASE, kdf=TEST_KDF)"


def test_rekey_killed_at_any_point_loses_nothing(demo_dir: Path, tmp_path: Path) -> None:
    notes = _notes(demo_dir)
    rng = random.Random(DEEP or 10)
    rounds = 4 + DEEP
    outcomes = set()
    for _ in range(rounds):
        before = store_mod.unwrap_key(demo_dir, PASSPHRASE)
        proc = subprocess.Popen(
            [sys.executable, "-c", _REKEY, str(demo_dir)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        time.sleep(rng.uniform(0.8, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _notes(demo_dir) == notes  # opening finishes or abandons the interrupted rekey
        assert not (demo_dir / PENDING_KEY_NAME).exists()
        outcomes.add(store_mod.unwrap_key(demo_dir, PASSPHRASE) != before)
    assert outcomes, "every round ended with a store that opens with all its notes"
