"""Fault injection: a worker saving notes is killed with SIGKILL at random points while another process
flips a byte in the WAL, truncates it, deletes it, or puts an older copy of the database back. After
every round, either every note the worker was told was saved is there, or Waymark says records are
missing (or refuses to open, saying why): never a silent loss.

Runs a few rounds in CI; ``WAYMARK_DEEP=N`` adds N more rounds of each fault.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import select

from app.workspace import Workspace
from storage.errors import StoreError
from storage.models import ContactNote
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
DEEP = int(os.environ.get("WAYMARK_DEEP", "0"))
WAL_HEADER, FRAME = 32, 24 + 4096


def _flip_wal(data_dir: Path, rng: random.Random) -> None:
    wal = data_dir / "waymark.db-wal"
    with wal.open("r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size > WAL_HEADER:
            fh.seek(rng.randrange(WAL_HEADER, size))
            byte = fh.read(1)
            fh.seek(-1, os.SEEK_CUR)
            fh.write(bytes([byte[0] ^ 0x20]))


def _truncate_wal(data_dir: Path, rng: random.Random) -> None:
    wal = data_dir / "waymark.db-wal"
    size = wal.stat().st_size
    if size > WAL_HEADER:
        os.truncate(wal, WAL_HEADER + FRAME * rng.randrange(0, max(1, (size - WAL_HEADER) // FRAME)))


def _delete_wal(data_dir: Path, rng: random.Random) -> None:
    (data_dir / "waymark.db-wal").unlink(missing_ok=True)


def _older_copy(data_dir: Path, rng: random.Random) -> None:
    older = data_dir.parent / "older.db"
    if older.exists():
        os.replace(older, data_dir / "waymark.db")


FAULTS = {"flip": _flip_wal, "truncate": _truncate_wal, "delete": _delete_wal, "older-copy": _older_copy}


def _fault_process(fault: str, data_dir: Path, seed: int, delay: float) -> subprocess.Popen[bytes]:
    """The fault is applied by another process, while the writer runs."""
    code = (
        "import random, sys, time; from pathlib import Path; "
        "from tests.storage.test_fault_injection import FAULTS; "
        f"time.sleep({delay}); FAULTS[{fault!r}](Path({str(data_dir)!r}), random.Random({seed}))"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _round(template: Path, work: Path, fault: str, rng: random.Random) -> str:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    data_dir = work / "store"
    shutil.copytree(template, data_dir)
    shutil.copy(data_dir / "waymark.db", work / "older.db")
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.note_writer", str(data_dir)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    # The fault lands after a random number of saves have returned, while the writer keeps saving; the
    # kill comes a random number of saves later.
    assert writer.stdout is not None
    lines = [writer.stdout.readline() for _ in range(rng.randint(1, 12))]
    faulter = _fault_process(fault, data_dir, rng.randrange(1 << 30), 0.0)
    lines += [writer.stdout.readline() for _ in range(rng.randint(0, 8))]
    writer.send_signal(signal.SIGKILL)
    rest, _ = writer.communicate()
    faulter.wait()
    out = "".join(lines) + rest
    saved = {uuid.UUID(line) for line in out.split()}
    try:
        ws = Workspace.open(data_dir, PASSPHRASE)
    except StoreError as exc:
        return f"refused: {type(exc).__name__}"
    try:
        with ws.store.sessions() as session:
            present = set(session.scalars(select(ContactNote.id)))
        missing = saved - present
        if ws.problem is not None:
            return "reported"
        assert not missing, f"{fault}: {len(missing)} of {len(saved)} saved notes vanished and nothing was said"
        return "intact" if saved else "intact (no save finished)"
    finally:
        ws.close()


def test_no_saved_note_is_ever_lost_silently(demo_template: tuple[Path, object], tmp_path: Path) -> None:
    rng = random.Random(1234 + DEEP)
    outcomes: dict[str, list[str]] = {}
    for fault in FAULTS:
        for _ in range(1 + DEEP):
            outcomes.setdefault(fault, []).append(_round(demo_template[0], tmp_path / "round", fault, rng))
    print(outcomes)
    # The probes must actually bite: a lost note reported at least once across the faults.
    assert any(o == "reported" or o.startswith("refused") for found in outcomes.values() for o in found), outcomes
