"""One change hook (issue 8, item 8): every save's Changed, and records a background sync receives, reach the
open views, which redraw only what the change touched and never what the worker is typing."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import httpx

from app.changes import Changed, OpChanges
from app.contact_notes import ContactMethod, Outcome
from app.ids import new_id
from app.safety_reviews import TriggerPoint
from app.workspace import Workspace
from storage import models, records
from sync.client import SyncClient
from sync.engine import SyncEngine, SyncState, p_timestamp
from tests.conftest import NOW
from tests.ui.saves import wait_saved
from ui.main_window import MainWindow
from ui.note_dialog import NoteDialog
from ui.review_dialog import ReviewDialog

STATE = {"server_epoch": "e1", "device_status": "active", "commands": []}
REMOTE_TEXT = "Seen by the duty worker overnight; calmer, agreed to a call at ten."


def _remote_note(workspace: Workspace, person_id: uuid.UUID) -> dict:
    """A signed note as another worker's laptop would have sent it: its envelope and hash, never stored here."""
    with workspace.store.sessions() as session:
        row = models.ContactNote(
            id=new_id(),
            person_id=person_id,
            author_id=uuid.UUID(int=7),
            device_id=uuid.UUID(int=8),
            planned_contact_id=None,
            contact_start=NOW - timedelta(hours=9),
            contact_end=NOW - timedelta(hours=8, minutes=40),
            recorded_at=NOW - timedelta(hours=8),
            late_entry=False,
            late_entry_reason=None,
            method=ContactMethod.PHONE.value,
            outcome=Outcome.SPOKEN_TO.value,
            narrative=REMOTE_TEXT,
            plan_revision_id=None,
            plan_steps_used=[],
            next_action=None,
            next_action_due=None,
            signed_at=NOW - timedelta(hours=8),
        )
        session.add(row)
        session.flush()
        body = records.envelope(row)
        session.rollback()
    return {**body, "sha256": records.sha256(body)}


class Server:
    """A sync server on a mock transport: acknowledges every push, and serves ``changes`` once released."""

    def __init__(self, workspace: Workspace) -> None:
        with workspace.uow.read() as session:
            self.scope = [str(p) for (p,) in session.query(models.Person.id)]
        self.now = {"server_time": p_timestamp(workspace.clock.now())}
        self.changes: list[dict] = []
        self.release = threading.Event()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/push"):
            items = json.loads(request.content)["items"]
            results = [{"seq": i["seq"], "record_id": i["record_id"], "status": "accepted"} for i in items]
            body = {"results": results, "last_seq": items[-1]["seq"], "high_water_seq": 1}
            return httpx.Response(200, json={**STATE, **self.now, **body})
        if path.endswith("/pull"):
            changes = self.changes if self.release.is_set() else []
            body = {"changes": changes, "next_cursor": "c", "has_more": False, "high_water_seq": 1, "scope": self.scope}
            return httpx.Response(200, json={**STATE, **self.now, **body})
        if path.endswith("/commands"):
            return httpx.Response(200, json={**STATE, **self.now})
        return httpx.Response(200, json={**STATE, **self.now, "clock_offset_ms": 0})


def _synced_window(qtbot, workspace, pool, tmp_path, server: Server) -> MainWindow:
    with workspace.uow.write() as session:
        SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k").save(session)
    transport = httpx.MockTransport(server)

    def engine(ws: Workspace) -> SyncEngine:
        return SyncEngine(ws, client_factory=lambda st, ca: SyncClient(st.server, st.token, transport=transport))

    win = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini", sync_engine=engine)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=10_000)  # the first sync
    return win


def test_a_note_received_by_a_background_sync_appears_and_what_is_being_typed_stays(
    qtbot, workspace, pool, tmp_path
) -> None:
    server = Server(workspace)
    win = _synced_window(qtbot, workspace, pool, tmp_path, server)
    person = win.model.row_at(0)
    win.open_person(person.person_id)
    panel = win.person_panel
    panel.record_note()
    dialog = next(d for d in panel.dialogs if isinstance(d, NoteDialog))
    qtbot.keyClicks(dialog.narrative, "Half way through writing this")
    dialog.next_action.setText("Ring on Friday")
    assert REMOTE_TEXT not in panel.notes_view.toPlainText()

    envelope = _remote_note(workspace, person.person_id)
    server.changes = [
        {"seq": 1, "entity": "record", "person_id": str(person.person_id), "entity_id": envelope["record_id"],
         "data": envelope}
    ]  # fmt: skip
    server.release.set()
    win.sync_now()  # what the background timer calls; nobody presses a key
    qtbot.waitUntil(lambda: REMOTE_TEXT in panel.notes_view.toPlainText(), timeout=10_000)
    assert REMOTE_TEXT in panel.plan_view.toPlainText(), "the plan's latest notes too"
    assert dialog.isVisible() and dialog in panel.dialogs
    assert dialog.narrative.toPlainText() == "Half way through writing this"
    assert dialog.next_action.text() == "Ring on Friday"


def test_records_for_someone_else_leave_the_open_person_as_drawn(qtbot, window) -> None:
    first, second = window.model.row_at(0), window.model.row_at(1)
    window.open_person(first.person_id)
    panel = window.person_panel
    drawn: list[str] = []
    for name in ("plan_view", "notes_view", "reviews_view", "escalations_view"):
        view = getattr(panel, name)
        original = view.setHtml
        view.setHtml = lambda html, name=name, original=original: (drawn.append(name), original(html))
    window.ops.notify(OpChanges(Changed.NOTES | Changed.REMOTE, frozenset({second.person_id})))
    assert drawn == []
    window.ops.notify(OpChanges(Changed.REVIEWS | Changed.REMOTE, frozenset({first.person_id})))
    assert drawn == ["reviews_view"], "only the part the change touched"


def test_a_saved_review_redraws_the_reviews_and_not_the_notes(qtbot, window, workspace) -> None:
    person = window.model.row_at(0)
    window.open_person(person.person_id)
    panel = window.person_panel
    drawn: list[str] = []
    for name in ("plan_view", "notes_view", "reviews_view", "escalations_view"):
        view = getattr(panel, name)
        original = view.setHtml
        view.setHtml = lambda html, name=name, original=original: (drawn.append(name), original(html))
    panel.record_review(TriggerPoint.MEDICATION_CHANGE)
    dialog = next(d for d in panel.dialogs if isinstance(d, ReviewDialog))
    dialog.what_changed.setPlainText("New medication started")
    dialog.account.setPlainText("Feels foggy in the mornings")
    dialog.why.setPlainText("Mornings were when she felt worst")
    dialog.plan_reviewed.setChecked(True)
    dialog.save()
    wait_saved(qtbot, dialog)
    assert not dialog.isVisible()
    assert "New medication started" in panel.reviews_view.toPlainText()
    assert "notes_view" not in drawn and "escalations_view" not in drawn
    assert set(drawn) >= {"reviews_view"}
