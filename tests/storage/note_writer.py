"""A worker saving notes as fast as it can, for the crash tests: ``python -m tests.storage.note_writer DIR``.

It prints each note's id only once its save has returned, so every id printed is a note the worker was
told is safe. The tests kill it with SIGKILL at random points.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from app.clock import SystemClock
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.workspace import Workspace
from tests.conftest import PASSPHRASE


def main(data_dir: Path, limit: int) -> None:
    ws = Workspace.open(data_dir, PASSPHRASE)
    persons = [row.person_id for row in ws.caseload.rows()]
    clock = SystemClock()
    for i in range(limit):
        now = clock.now()
        draft = NoteDraft(
            persons[i % len(persons)],
            now - timedelta(minutes=30),
            now - timedelta(minutes=5),
            ContactMethod.PHONE,
            Outcome.SPOKEN_TO,
            f"Crash-test note {i}",
            plan_steps_used=[],
        )
        note, _ = ws.notes.record(draft)
        print(note.id, flush=True)
    ws.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
