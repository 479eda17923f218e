"""A read never waits for a writer: the status bar and a plan opened in a hurry must not stall or fail
because a sync or a save holds the write lock (WAL readers read a snapshot)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select, text

from app.workspace import Workspace
from storage.models import Person
from tests.conftest import PASSPHRASE


def test_a_read_runs_while_another_writer_holds_the_lock(demo_dir: Path) -> None:
    ws = Workspace.open(demo_dir, PASSPHRASE)
    holding = threading.Event()
    release = threading.Event()

    def hold_the_write_lock() -> None:
        with ws.uow.write() as session:
            session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE has run: the write lock is held
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    try:
        assert holding.wait(30)
        # A read that queued for the write lock would fail here with "database is locked" after the busy
        # timeout, while the writer still holds it.
        with ws.uow.read() as session:
            persons = session.scalars(select(Person.id)).all()
        assert persons, "the read saw the store"
    finally:
        release.set()
        writer.join()
        ws.close()
