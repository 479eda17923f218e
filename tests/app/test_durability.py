"""A Save that returned survives the process being killed immediately afterwards."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from app.workspace import Workspace
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import os, sys, uuid
    from datetime import UTC, datetime, timedelta
    from app.contact_notes import ContactMethod, NoteDraft, Outcome
    from app.workspace import Workspace

    ws = Workspace.open(__import__("pathlib").Path(sys.argv[1]), sys.argv[2])
    person = ws.caseload.rows()[0].person_id
    now = datetime.now(UTC)
    note, _ = ws.notes.record(NoteDraft(person, now - timedelta(minutes=20), now, ContactMethod.PHONE,
                                        Outcome.SPOKEN_TO, "Saved just before the battery died"))
    sys.stdout.write(str(note.id) + "\\n")
    sys.stdout.flush()
    os.kill(os.getpid(), __import__("signal").SIGSTOP)  # wait here to be killed, connection still open
    """
)


def test_note_survives_sigkill_right_after_save(demo_dir: Path) -> None:
    ws = Workspace.open(demo_dir, PASSPHRASE)
    pending_before = ws.outbox_pending()
    ws.close()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(demo_dir), PASSPHRASE],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    note_id = child.stdout.readline().decode().strip()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert note_id, "the child never reported a saved note"

    ws = Workspace.open(demo_dir, PASSPHRASE)
    try:
        import uuid

        note = ws.notes.get(uuid.UUID(note_id))
        assert note.narrative == "Saved just before the battery died"
        assert ws.outbox_pending() == pending_before + 1
    finally:
        ws.close()
