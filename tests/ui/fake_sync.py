"""A sync server on a mock transport for window tests, and a record as another laptop would have sent it."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from datetime import datetime, timedelta

import httpx

from app.contact_notes import ContactMethod, Outcome
from app.ids import new_id
from app.workspace import Workspace
from storage import models, records
from sync.client import SyncClient
from sync.engine import SyncEngine, SyncState, p_timestamp
from sync.server.documents import digest_of
from tests.conftest import NOW
from ui.main_window import MainWindow

STATE = {"server_epoch": "e1", "device_status": "active", "commands": []}
REMOTE_TEXT = "Seen by the duty worker overnight; calmer, agreed to a call at ten."


def remote_note(
    workspace: Workspace,
    person_id: uuid.UUID,
    outcome: Outcome = Outcome.SPOKEN_TO,
    end: datetime = NOW - timedelta(hours=8, minutes=40),
) -> dict:
    """A signed note as another worker's laptop would have sent it: its envelope and hash, never stored here."""
    with workspace.store.sessions() as session:
        row = models.ContactNote(
            id=new_id(),
            person_id=person_id,
            author_id=uuid.UUID(int=7),
            device_id=uuid.UUID(int=8),
            planned_contact_id=None,
            contact_start=end - timedelta(minutes=20),
            contact_end=end,
            recorded_at=end + timedelta(minutes=40),
            late_entry=False,
            late_entry_reason=None,
            method=ContactMethod.PHONE.value,
            outcome=outcome.value,
            narrative=REMOTE_TEXT,
            plan_revision_id=None,
            plan_steps_used=[],
            next_action=None,
            next_action_due=None,
            signed_at=end + timedelta(minutes=40),
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
        self.hold_pushes = False  # out of reach: every request fails, nothing is acknowledged
        self.documents: list[dict] = []  # the organisation's documents in force (PROTOCOL §2.10), once set

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.hold_pushes:
            return httpx.Response(503, text="down")
        if path.endswith("/push"):
            items = json.loads(request.content)["items"]
            results = [{"seq": i["seq"], "record_id": i["record_id"], "status": "accepted"} for i in items]
            body = {"results": results, "last_seq": items[-1]["seq"], "high_water_seq": 1}
            return httpx.Response(200, json={**STATE, **self.now, **body})
        if path.endswith("/pull"):
            changes = self.changes if self.release.is_set() else []
            body = {"changes": changes, "next_cursor": "c", "has_more": False, "high_water_seq": 1, "scope": self.scope}
            if self.documents:
                body["documents_digest"] = self.documents_digest()
            return httpx.Response(200, json={**STATE, **self.now, **body})
        if path.endswith("/documents"):
            body = {"documents": self.documents, "documents_digest": self.documents_digest()}
            return httpx.Response(200, json={**STATE, **self.now, **body})
        if path.endswith("/commands"):
            return httpx.Response(200, json={**STATE, **self.now})
        return httpx.Response(200, json={**STATE, **self.now, "clock_offset_ms": 0})

    def documents_digest(self) -> str:
        return digest_of((d["kind"], d["name"], d["sha256"]) for d in self.documents)

    def serve_document(self, kind: str, name: str, text: str) -> None:
        self.documents.append({
            "kind": kind, "name": name, "document_id": len(self.documents) + 1, "text": text,
            "sha256": hashlib.sha256(text.encode()).hexdigest(), "imported_at": self.now["server_time"],
        })  # fmt: skip


def synced_window(qtbot, workspace, pool, tmp_path, server: Server, *, up_to_date: bool = True) -> MainWindow:
    with workspace.uow.write() as session:
        SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k").save(session)
    transport = httpx.MockTransport(server)

    def engine(ws: Workspace) -> SyncEngine:
        return SyncEngine(ws, client_factory=lambda st, ca: SyncClient(st.server, st.token, transport=transport))

    win = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini", sync_engine=engine)
    qtbot.addWidget(win)
    win.show()
    if up_to_date:
        qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=10_000)  # the first sync
    else:
        qtbot.waitUntil(lambda: "Last sync failed" in win.sync_label.text(), timeout=10_000)
    return win
