"""A save never waits for a whole sync (issue 13 item 2, issue 8 item 7).

The background sync takes the store's write queue only for each unit of local writing (a push batch's
acknowledgement, one pulled page with its cursor, one snapshot); its network waits happen off the queue.
Here a slow server holds its second page until told: a note signed meanwhile lands while the sync is still
waiting on that page, after page one was applied with its cursor and before page two. Nothing about the
guarantees changes: each page is applied with its cursor, and the note goes at the next sync.
"""

from __future__ import annotations

import json
import threading
import uuid

import httpx
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.workspace import Workspace
from storage import models
from sync.client import SyncClient
from sync.engine import SyncEngine, SyncState
from tests.conftest import PASSPHRASE
from tests.ui.fake_sync import REMOTE_TEXT, STATE, remote_note
from tests.ui.note_form import choose
from tests.ui.saves import wait_saved
from ui.main_window import MainWindow
from ui.note_dialog import NoteDialog

TEXT = "Seen at home during the sync; calmer, used step 2; call on Friday."
PAGES = 3


class SlowServer:
    """Pull pages one to three, each with a note from another laptop; page two waits for ``gate``."""

    def __init__(self, workspace: Workspace, person_id: uuid.UUID) -> None:
        with workspace.uow.read() as session:
            self.scope = [str(p) for p in session.scalars(select(models.Person.id))]
        self.now = {"server_time": "2026-11-20T09:00:00.000000Z"}
        self.pages = [remote_note(workspace, person_id) for _ in range(PAGES)]
        self.held = threading.Event()  # the sync is waiting on page two
        self.gate = threading.Event()
        self.served: list[str] = []
        self.pushed: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/push"):
            items = json.loads(request.content)["items"]
            self.pushed += [i["record_id"] for i in items]
            results = [{"seq": i["seq"], "record_id": i["record_id"], "status": "accepted"} for i in items]
            body = {"results": results, "last_seq": items[-1]["seq"], "high_water_seq": 1}
            return httpx.Response(200, json={**STATE, **self.now, **body})
        if path.endswith("/pull"):
            cursor = request.url.params.get("cursor", "")
            page = int(cursor[1:]) if cursor else 0  # "" → page 0, "c1" → page 1, …
            if page >= PAGES:
                body = {"changes": [], "next_cursor": cursor, "has_more": False, "high_water_seq": PAGES}
                return httpx.Response(200, json={**STATE, **self.now, **body, "scope": self.scope})
            if page == 1:
                self.held.set()
                assert self.gate.wait(30), "the test never let page two go"
            envelope = self.pages[page]
            change = {"seq": page + 1, "entity": "record", "person_id": envelope["person_id"],
                      "entity_id": envelope["record_id"], "data": envelope}  # fmt: skip
            self.served.append(f"c{page + 1}")
            body = {"changes": [change], "next_cursor": f"c{page + 1}", "has_more": page + 1 < PAGES,
                    "high_water_seq": PAGES}  # fmt: skip
            return httpx.Response(200, json={**STATE, **self.now, **body, "scope": self.scope})
        if path.endswith("/commands"):
            return httpx.Response(200, json={**STATE, **self.now})
        return httpx.Response(200, json={**STATE, **self.now, "clock_offset_ms": 0})


def _cursor(workspace: Workspace) -> str | None:
    with workspace.uow.read() as session:
        meta = session.get(models.Meta, "sync.cursor")
        return meta.value if meta is not None else None


def test_a_note_signed_during_a_long_sync_lands_between_two_pages(
    qtbot, workspace, pool, tmp_path, monkeypatch
) -> None:
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a: errors.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: errors.append(text))
    person = workspace.caseload.rows()[0].person_id
    server = SlowServer(workspace, person)
    with workspace.uow.write() as session:
        SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k").save(session)
    transport = httpx.MockTransport(server)

    def engine(ws: Workspace) -> SyncEngine:
        return SyncEngine(ws, client_factory=lambda st, ca: SyncClient(st.server, st.token, transport=transport))

    win = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini", sync_engine=engine)
    qtbot.addWidget(win)
    win.show()
    try:
        # The first background sync has applied page one and now waits on the slow link for page two.
        qtbot.waitUntil(server.held.is_set, timeout=10_000)
        assert win._syncing and _cursor(workspace) == "c1"
        win.open_person(person)
        win.person_panel.record_note()
        dialog = next(d for d in win.person_panel.dialogs if isinstance(d, NoteDialog))
        choose(dialog)
        qtbot.keyClicks(dialog.narrative, TEXT)
        dialog.save()
        wait_saved(qtbot, dialog, timeout=10_000)  # far less than the 30 s page two is held for
        # Landed while the sync still waits on the network, after page one's write and before page two's.
        assert not server.gate.is_set() and win._syncing
        assert server.served == ["c1"] and _cursor(workspace) == "c1"
        with workspace.uow.read() as session:
            notes = list(session.scalars(select(models.ContactNote).where(models.ContactNote.narrative == TEXT)))
            assert len(notes) == 1 and notes[0].signed_at is not None
            received = session.scalars(select(models.ContactNote).where(models.ContactNote.narrative == REMOTE_TEXT))
            assert len(list(received)) == 1, "only page one's record so far"
    finally:
        server.gate.set()
    qtbot.waitUntil(lambda: not win._syncing, timeout=10_000)
    assert errors == [] and not dialog.isVisible()
    assert server.served == ["c1", "c2", "c3"] and _cursor(workspace) == "c3"
    with workspace.uow.read() as session:
        received = session.scalars(select(models.ContactNote).where(models.ContactNote.narrative == REMOTE_TEXT))
        assert len(list(received)) == PAGES, "every page applied once"
    # The push ran before the note existed, so the note waits for the next sync, and goes then.
    assert str(notes[0].id) not in server.pushed and workspace.outbox_pending() >= 1
    win.sync_now()
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=10_000)
    assert str(notes[0].id) in server.pushed and workspace.outbox_pending() == 0


def test_locking_during_a_sync_stops_it_between_pages_and_loses_nothing(qtbot, workspace, pool, tmp_path) -> None:
    person = workspace.caseload.rows()[0].person_id
    server = SlowServer(workspace, person)
    with workspace.uow.write() as session:
        SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k").save(session)
    transport = httpx.MockTransport(server)

    def engine(ws: Workspace) -> SyncEngine:
        return SyncEngine(ws, client_factory=lambda st, ca: SyncClient(st.server, st.token, transport=transport))

    win = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini", sync_engine=engine)
    qtbot.addWidget(win)
    win.show()
    closed: list[bool] = []
    win.store_closed.connect(lambda: closed.append(True))
    try:
        qtbot.waitUntil(server.held.is_set, timeout=10_000)
        win.lock_full()  # the store closes now, not after the sync: the sync's next page is not written
        qtbot.waitUntil(lambda: closed == [True], timeout=10_000)
    finally:
        server.gate.set()
    qtbot.waitUntil(lambda: not win._syncing, timeout=10_000)
    assert server.served == ["c1", "c2"], "page two came, but was not written into a closed store"
    reopened = Workspace.open(workspace.store.data_dir, PASSPHRASE, clock=workspace.clock)
    try:
        assert _cursor(reopened) == "c1", "the cursor stays at the last page applied: page two comes again"
        with reopened.uow.read() as session:
            received = session.scalars(select(models.ContactNote).where(models.ContactNote.narrative == REMOTE_TEXT))
            assert len(list(received)) == 1
            assert session.get(models.Meta, "sync.last_failure") is None, "a lock is not a failure"
    finally:
        reopened.close()
