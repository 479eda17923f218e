"""Saves run on the store's write queue and never fail because another writer holds the lock (issue 8, item 7).

A second thread holds write transactions on the same encrypted store (first one long transaction, then a
BEGIN IMMEDIATE … COMMIT loop) while the worker signs a note: the window keeps running, the dialog says it
is still saving and keeps every word, and the note lands exactly once when the lock frees.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import event, select

from storage import models
from tests.ui.note_form import choose
from tests.ui.saves import wait_saved
from ui.note_dialog import NoteDialog
from ui.saving import WAITING

TEXT = "Seen at home. Low mood after the tenancy letter; used step 2; call tomorrow."


class Holder(threading.Thread):
    """Another writer: one transaction held until told to let go, then a write loop until told to stop."""

    def __init__(self, engine: Any) -> None:
        super().__init__(daemon=True)
        self._engine = engine
        self.held = threading.Event()
        self.let_go = threading.Event()
        self.stop = threading.Event()
        self.rounds = 0

    def _write(self, conn: Any, round_: int) -> None:
        while True:  # this writer waits its turn too: the save may hold the lock between our transactions
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except Exception as exc:
                if "locked" not in str(exc) or self.stop.is_set():
                    raise
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('test.other_writer', ?)", (str(round_),))

    def run(self) -> None:
        pooled = self._engine.raw_connection()  # held: returned to the pool, it would be rolled back
        conn = pooled.driver_connection
        try:
            self._write(conn, 0)
            self.held.set()
            self.let_go.wait(30)
            conn.execute("COMMIT")
            while not self.stop.is_set():
                self.rounds += 1
                self._write(conn, self.rounds)
                self.stop.wait(0.03)  # a short write transaction…
                conn.execute("COMMIT")
                self.stop.wait(0.01)  # …and a moment between, as a sync applying pages would leave
        finally:
            pooled.close()


def _short_busy_timeout(engine: Any) -> None:
    """Each attempt gives up on the lock after 0.1 s instead of 5 s, so the test waits seconds, not minutes."""

    @event.listens_for(engine, "connect")
    def _busy(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 100")

    engine.dispose()  # connections made from now on take it


def test_a_note_signed_while_another_writer_holds_the_lock_lands_once_the_lock_frees(
    qtbot, window, workspace, monkeypatch
) -> None:
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a: errors.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: errors.append(text))
    window.ops.retry_wait = (0.02,)
    _short_busy_timeout(workspace.store.engine)
    person = window.model.row_at(0)
    window.open_person(person.person_id)
    window.person_panel.record_note()
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    choose(dialog)
    qtbot.keyClicks(dialog.narrative, TEXT)

    holder = Holder(workspace.store.engine)
    holder.start()
    try:
        assert holder.held.wait(10), "the other writer holds the lock"
        ticks = {"n": 0}
        timer = QTimer(window, interval=10)
        timer.timeout.connect(lambda: ticks.__setitem__("n", ticks["n"] + 1))
        timer.start()
        dialog.save()
        # The save met the lock, was rolled back whole, and is being tried again: the dialog says so.
        qtbot.waitUntil(lambda: dialog.saving.label.text() == WAITING, timeout=10_000)
        before = ticks["n"]
        qtbot.waitUntil(lambda: ticks["n"] > before + 3)  # the window's event loop runs on meanwhile
        assert dialog.isVisible() and dialog.saving.active
        assert dialog.narrative.toPlainText() == TEXT and not dialog.sign_button.isEnabled()
        holder.let_go.set()  # the long transaction commits; the write loop begins
        wait_saved(qtbot, dialog, timeout=20_000)
    finally:
        holder.stop.set()
        holder.let_go.set()
        holder.join(10)
        timer.stop()
    assert errors == [], "a lock held by another writer is never the worker's error"
    assert not dialog.isVisible(), "closed once saved"
    with workspace.uow.read() as session:
        notes = list(session.scalars(select(models.ContactNote).where(models.ContactNote.narrative == TEXT)))
        assert len(notes) == 1 and notes[0].signed_at is not None
        queued = session.scalars(select(models.OutboxItem).where(models.OutboxItem.record_id == notes[0].id)).all()
        assert len(queued) == 1
    qtbot.waitUntil(lambda: TEXT[:20] in window.person_panel.notes_view.toPlainText())


def test_a_note_whose_save_lands_while_the_screen_is_locked_stays_closed_on_unlock(qtbot, window, workspace) -> None:
    person = window.model.row_at(0)
    window.open_person(person.person_id)
    window.person_panel.record_note()
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    choose(dialog)
    qtbot.keyClicks(dialog.narrative, TEXT)
    dialog.save()
    window.lock_ui()  # before the queue has answered: the answer is delivered on this thread, later
    assert dialog.saving.active and not dialog.isVisible()
    wait_saved(qtbot, dialog)
    window.lock_screen.unlocked.emit(None)  # the passphrase check for the screen lock succeeded
    assert not window.is_locked
    assert not dialog.isVisible(), "saved while locked: nothing left to show"
    assert TEXT[:20] in window.person_panel.notes_view.toPlainText()
