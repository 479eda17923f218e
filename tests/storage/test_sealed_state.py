"""Saved records never disappear silently: a database behind the sealed record of its state (a damaged,
truncated or deleted WAL, an older copy put back, a page from an older copy) is reported in plain words,
opened read-only, and its files are kept aside for support."""

import os
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import select

from app import audit
from app.clock import FixedClock
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.workspace import Workspace
from storage import store as store_mod
from storage.errors import DatabaseDamaged, KeyFileMismatch
from storage.keyfile import write_atomically
from storage.layout import KEY_NAME, SEAL_NAME
from storage.models import AuditEvent, ContactNote
from tests.conftest import NOW, PASSPHRASE, TEST_KDF

PAGE = 4096
WAL_HEADER = 32
FRAME = 24 + PAGE


def _note(ws: Workspace, text: str) -> None:
    person = ws.caseload.rows()[0].person_id
    ws.notes.record(
        NoteDraft(
            person,
            NOW - timedelta(minutes=40),
            NOW - timedelta(minutes=10),
            ContactMethod.PHONE,
            Outcome.SPOKEN_TO,
            text,
            plan_steps_used=[],
        )
    )


def _snapshot_while_open(demo_dir: Path, target: Path, notes: int) -> None:
    """The files as a crash would leave them: notes saved, their transactions still only in the WAL."""
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))
    try:
        for i in range(notes):
            _note(ws, f"saved note {i}")
        shutil.copytree(demo_dir, target)
    finally:
        ws.close()


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


def _cannot_save(ws: Workspace) -> None:
    with pytest.raises(Exception, match=r"readonly|read-only|query_only|attempt to write"):
        _note(ws, "written after the loss was found")


def _wal(folder: Path) -> Path:
    return folder / "waymark.db-wal"


FAULTS = {
    "flipped byte in the WAL": lambda d: _flip(_wal(d), WAL_HEADER + FRAME * (_frames(d) // 2) + 100),
    "WAL truncated": lambda d: os.truncate(_wal(d), WAL_HEADER + FRAME * (_frames(d) // 2)),
    "WAL deleted": lambda d: _wal(d).unlink(),
}


def _frames(folder: Path) -> int:
    return (_wal(folder).stat().st_size - WAL_HEADER) // FRAME


@pytest.mark.parametrize("fault", FAULTS)
def test_a_damaged_or_missing_wal_is_reported_and_the_store_opens_read_only(
    demo_dir: Path, tmp_path: Path, fault: str
) -> None:
    crashed = tmp_path / "crashed"
    _snapshot_while_open(demo_dir, crashed, notes=6)
    assert _frames(crashed) > 4
    FAULTS[fault](crashed)
    # -shm is only an index of the WAL, rebuilt by any reader; the records are in the database and WAL.
    damaged = {p.name: p.read_bytes() for p in crashed.iterdir() if p.name in ("waymark.db", "waymark.db-wal")}
    ws = Workspace.open(crashed, PASSPHRASE, clock=FixedClock(NOW))
    try:
        assert ws.problem is not None
        assert "are missing" in ws.problem and "read-only" in ws.problem and "support" in ws.problem
        assert "server" in ws.problem
        _cannot_save(ws)
    finally:
        ws.close()
    kept = next(crashed.glob("kept-for-support-*"))
    assert {p.name: p.read_bytes() for p in kept.iterdir() if p.name in damaged} == damaged
    left = {p.name: p.read_bytes() for p in crashed.iterdir() if p.name in ("waymark.db", "waymark.db-wal")}
    if "waymark.db-wal" not in damaged and left.get("waymark.db-wal") == b"":
        del left["waymark.db-wal"]  # a reader may create an empty WAL where none was; it holds nothing
    assert left == damaged, "the damaged files were checkpointed over"
    again = Workspace.open(crashed, PASSPHRASE)
    try:
        assert again.problem is not None, "a reopen must not make the loss permanent and silent"
    finally:
        again.close()
    assert list(crashed.glob("kept-for-support-*")) == [kept], "the same damage is kept once"


def test_an_older_copy_of_the_database_put_back_is_reported(demo_dir: Path, tmp_path: Path) -> None:
    older = tmp_path / "older.db"
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))
    ws.close()
    shutil.copy(demo_dir / "waymark.db", older)
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))
    _note(ws, "saved after the copy was taken")
    ws.close()
    shutil.copy(older, demo_dir / "waymark.db")
    ws = Workspace.open(demo_dir, PASSPHRASE)
    try:
        assert ws.problem is not None and "are missing" in ws.problem
    finally:
        ws.close()


def test_the_message_names_when_records_start_missing(demo_dir: Path, tmp_path: Path) -> None:
    crashed = tmp_path / "crashed"
    _snapshot_while_open(demo_dir, crashed, notes=3)
    _wal(crashed).unlink()
    ws = Workspace.open(crashed, PASSPHRASE)
    try:
        assert ws.problem is not None
        assert "Records saved on this laptop after " in ws.problem
        assert " on " in ws.problem.split("after ", 1)[1]  # "14:32 on 30 Nov 2026"
    finally:
        ws.close()


def test_a_deleted_or_altered_seal_is_not_a_way_round(demo_dir: Path) -> None:
    Workspace.open(demo_dir, PASSPHRASE).close()
    seal = demo_dir / SEAL_NAME
    text = seal.read_text()
    seal.write_text(text.replace('"sealed": "', '"sealed": "AAAA'))
    ws = Workspace.open(demo_dir, PASSPHRASE)
    assert ws.problem is not None and "altered or damaged" in ws.problem
    ws.close()
    seal.unlink()
    ws = Workspace.open(demo_dir, PASSPHRASE)
    assert ws.problem is not None and "is missing" in ws.problem
    ws.close()


def test_a_healthy_store_reopens_without_a_problem_after_many_saves(demo_dir: Path) -> None:
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))
    for i in range(3):
        _note(ws, f"note {i}")
    ws.close()
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))
    try:
        assert ws.problem is None
        assert ws.check_thoroughly() is None
        _note(ws, "still writable")
    finally:
        ws.close()


def test_a_failed_open_writes_nothing_even_with_a_wal_present(demo_dir: Path, tmp_path: Path) -> None:
    crashed = tmp_path / "crashed"
    _snapshot_while_open(demo_dir, crashed, notes=2)
    _flip(crashed / "waymark.db", 3 * PAGE + 1000)
    before = {p.name: p.read_bytes() for p in crashed.iterdir() if p.is_file()}
    assert "waymark.db-wal" in before
    with pytest.raises(DatabaseDamaged):
        Workspace.open(crashed, PASSPHRASE)
    after = {p.name: p.read_bytes() for p in crashed.iterdir() if p.is_file() and p.name != "waymark.db-shm"}
    before.pop("waymark.db-shm", None)
    assert after == before


def test_an_empty_database_file_stays_empty_and_is_named(demo_dir: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{demo_dir / 'waymark.db'}{suffix}").unlink(missing_ok=True)
    (demo_dir / "waymark.db").write_bytes(b"")
    with pytest.raises(DatabaseDamaged, match="holds no Waymark data"):
        Workspace.open(demo_dir, PASSPHRASE)
    assert (demo_dir / "waymark.db").stat().st_size == 0


def test_a_page_from_an_older_copy_is_found_by_the_background_check(demo_dir: Path, tmp_path: Path) -> None:
    """quick_check on unlock misses a stale index page; the full check run in the background finds it."""
    Workspace.open(demo_dir, PASSPHRASE).close()
    old = (demo_dir / "waymark.db").read_bytes()
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))
    for i in range(30):
        _note(ws, f"note {i} " + "x" * 200)
    ws.close()
    new = (demo_dir / "waymark.db").read_bytes()
    key = store_mod.unwrap_key(demo_dir, PASSPHRASE)
    spliced = None
    for page in range(1, min(len(old), len(new)) // PAGE):
        a, b = old[page * PAGE : (page + 1) * PAGE], new[page * PAGE : (page + 1) * PAGE]
        if a == b:
            continue
        candidate = tmp_path / f"splice-{page}"
        shutil.copytree(demo_dir, candidate)
        (candidate / "waymark.db").write_bytes(new[: page * PAGE] + a + new[(page + 1) * PAGE :])
        if _checks(candidate / "waymark.db", key) == ("ok", False):
            spliced = candidate
            break
    assert spliced is not None, "no older page passes quick_check but fails integrity_check"
    ws = Workspace.open(spliced, PASSPHRASE, clock=FixedClock(NOW))
    try:
        assert ws.problem is None, "the startup check passes: that is why the background check exists"
        problem = ws.check_thoroughly()
        assert problem is not None and "read-only" in problem and ws.problem == problem
        _cannot_save(ws)
    finally:
        ws.close()
    assert list(spliced.glob("kept-for-support-*"))


def _checks(db: Path, key: bytes) -> tuple[str, bool]:
    conn = sqlcipher3.connect(str(db))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        quick = conn.execute("PRAGMA quick_check").fetchall()
        full = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlcipher3.DatabaseError:
        return "error", False
    finally:
        conn.close()
    return ("ok" if quick == [("ok",)] else "bad"), full == [("ok",)]


def test_a_rewritten_audit_event_cannot_be_rehashed_into_the_chain(demo_dir: Path) -> None:
    """The chain is keyed: recomputing plain SHA-256 hashes over a rewritten event does not pass."""
    st = store_mod.open_(demo_dir, PASSPHRASE)
    with st.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_event_append_only")
    with st.sessions() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    target = events[len(events) // 2]
    prev = events[len(events) // 2 - 1].hash
    with st.sessions.begin() as session:
        for event in session.scalars(select(AuditEvent).where(AuditEvent.seq >= target.seq).order_by(AuditEvent.seq)):
            if event.seq == target.seq:
                event.action = "view"  # e.g. hide an export
            event.prev_hash = prev
            event.hash = audit._event_hash(prev, event)  # what an attacker without the key can compute
            prev = event.hash
    st.close()
    ws = Workspace.open(demo_dir, PASSPHRASE)
    try:
        with ws.store.sessions() as session:
            assert audit.verify_chain(session) == target.seq
        problem = ws.check_thoroughly()
        assert problem is not None and "audit trail" in problem
    finally:
        ws.close()


def test_the_audit_chain_of_a_store_from_before_keying_still_verifies(demo_dir: Path) -> None:
    st = store_mod.open_(demo_dir, PASSPHRASE)
    with st.sessions() as session:
        assert audit.verify_chain(session) is None
        keyed_from = int(session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0)
    st.close()
    assert keyed_from > 0


def test_a_key_file_from_another_store_is_named_as_such(demo_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    Workspace.create(other, PASSPHRASE, kdf=TEST_KDF).close()
    Workspace.open(demo_dir, PASSPHRASE).close()
    shutil.copy(other / KEY_NAME, demo_dir / KEY_NAME)
    with pytest.raises(KeyFileMismatch, match="belongs to a different Waymark store"):
        Workspace.open(demo_dir, PASSPHRASE)


def test_loosened_modes_are_tightened_on_open(demo_dir: Path) -> None:
    os.chmod(demo_dir / KEY_NAME, 0o644)
    os.chmod(demo_dir, 0o755)
    Workspace.open(demo_dir, PASSPHRASE).close()
    assert stat.S_IMODE((demo_dir / KEY_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE(demo_dir.stat().st_mode) == 0o700


def test_wal_and_shm_are_private_from_the_very_first_run(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "new", PASSPHRASE, kdf=TEST_KDF)
    try:
        with ws.store.sessions.begin() as session:
            audit.append(session, ws.actor, audit.AuditAction.VIEW, NOW)
        for name in ("waymark.db", "waymark.db-wal", "waymark.db-shm", KEY_NAME, SEAL_NAME):
            path = tmp_path / "new" / name
            assert path.exists(), name
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    finally:
        ws.close()


def test_temporary_files_do_not_follow_a_planted_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    target = tmp_path / "waymark.key"
    (tmp_path / "waymark.key.tmp").symlink_to(victim)  # the name the old code always used
    write_atomically(target, b"new key file")
    assert victim.read_text() == "precious"
    assert target.read_bytes() == b"new key file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".waymark.key.")], "no temp file left"


def test_an_interrupted_creation_leaves_no_store(tmp_path: Path) -> None:
    def fail_half_way(ws: Workspace) -> None:
        ws.mark_demo()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Workspace.create(tmp_path / "store", PASSPHRASE, kdf=TEST_KDF, prepare=fail_half_way)
    assert list(tmp_path.iterdir()) == []
    Workspace.create(tmp_path / "store", PASSPHRASE, kdf=TEST_KDF).close()


def test_a_read_only_store_still_shows_the_caseload_plans_and_notes(demo_dir: Path) -> None:
    """A store frozen for support still shows what it holds: the worker can read the plan and contacts."""
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))
    _note(ws, "one")
    ws.close()
    (demo_dir / SEAL_NAME).unlink()
    ws = Workspace.open(demo_dir, PASSPHRASE)
    try:
        assert ws.problem is not None
        rows = ws.caseload.rows()
        person = ws.caseload.open_person(rows[0].person_id)  # a view, not audited in a frozen store
        ws.plans.current(person.id)  # reads without writing
        assert ws.notes.timeline(person.id) is not None
        with ws.store.sessions() as session:
            assert session.scalar(select(ContactNote.id).limit(1)) is not None
    finally:
        ws.close()


_CREATE = (
    "import sys; from pathlib import Path; from app.workspace import Workspace; "
    "from resources.demo.generator import populate; from tests.conftest import PASSPHRASE, TEST_KDF\n"
    # The fill writes records, then waits on stdin for ever, so the kill always lands half way
    # through creation however fast the machine is (a sleep raced a quick CI runner).
    "def fill(ws):\n    populate(ws, persons=3); print('filling', flush=True); sys.stdin.read()\n"
    "Workspace.create(Path(sys.argv[1]), PASSPHRASE, kdf=TEST_KDF, prepare=fill).close()"
)


def test_a_creation_killed_half_way_leaves_nothing_and_can_be_run_again(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    data_dir = tmp_path / "store"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CREATE, str(data_dir)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "filling"
    proc.kill()
    proc.communicate()
    assert not data_dir.exists(), "a half-made store was left where the app would find it"
    Workspace.create(data_dir, PASSPHRASE, kdf=TEST_KDF).close()
    assert [p.name for p in tmp_path.iterdir()] == ["store"], "the interrupted attempt's folder is cleared"
