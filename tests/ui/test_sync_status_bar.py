"""The status bar's sync states in the main window, with F5 syncing off the UI thread."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import httpx
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.workspace import Workspace
from storage import models
from sync.client import SyncClient
from sync.engine import Backoff, SyncEngine, SyncState, Wiped, p_timestamp
from tests.conftest import NOW
from tests.ui.fake_sync import Server, remote_note, synced_window
from ui.main_window import MainWindow

STATE = {"server_epoch": "e1", "device_status": "active", "commands": []}


def _enrolled(workspace: Workspace) -> None:
    with workspace.uow.write() as session:
        SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k").save(session)


def _engine(handler: Callable[[httpx.Request], httpx.Response]) -> Callable[[Workspace], SyncEngine]:
    transport = httpx.MockTransport(handler)
    return lambda ws: SyncEngine(ws, client_factory=lambda st, ca: SyncClient(st.server, st.token, transport=transport))


def _window(qtbot, workspace, pool, tmp_path, handler) -> MainWindow:
    win = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini", sync_engine=_engine(handler))
    qtbot.addWidget(win)
    win.show()
    return win


def test_a_failed_sync_says_why_and_what_is_unsent(qtbot, workspace, pool, tmp_path) -> None:
    _enrolled(workspace)
    win = _window(qtbot, workspace, pool, tmp_path, lambda r: httpx.Response(503, text="down"))
    qtbot.waitUntil(lambda: "Last sync failed" in win.sync_label.text(), timeout=10_000)
    text = win.sync_label.text()
    assert "on this laptop only (unsent)" in text and "had a problem (503)" in text and "Up to date" not in text
    assert "Nothing recorded on this laptop was lost" in text


def test_f5_syncs_and_up_to_date_once_everything_is_acknowledged(qtbot, workspace, pool, tmp_path) -> None:
    _enrolled(workspace)
    with workspace.uow.read() as session:
        persons = [str(p) for p in session.scalars(select(models.Person.id))]
    now = {"server_time": p_timestamp(workspace.clock.now())}

    def server(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/push"):
            items = json.loads(request.content)["items"]
            results = [
                {"seq": i["seq"], "record_id": i["record_id"], "status": "accepted", "server_seq": i["seq"]}
                for i in items
            ]
            return httpx.Response(
                200, json={**STATE, **now, "results": results, "last_seq": items[-1]["seq"], "high_water_seq": 1}
            )
        if path.endswith("/pull"):
            body = {"changes": [], "next_cursor": "c", "has_more": False, "high_water_seq": 1, "scope": persons}
            return httpx.Response(200, json={**STATE, **now, **body})
        if path.endswith("/commands"):
            return httpx.Response(200, json={**STATE, **now})
        return httpx.Response(200, json={**STATE, **now, "clock_offset_ms": 0})

    win = _window(qtbot, workspace, pool, tmp_path, server)
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=10_000)
    assert "Last synced just now" in win.sync_label.text()
    assert workspace.outbox_pending() == 0
    qtbot.keyClick(win, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not win._syncing, timeout=10_000)
    assert win.sync_label.text().startswith("Up to date")


def test_a_store_that_is_not_enrolled_never_syncs_and_says_so(qtbot, workspace, pool, tmp_path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be made")

    win = _window(qtbot, workspace, pool, tmp_path, refuse)
    qtbot.keyClick(win, Qt.Key.Key_F5)
    assert win.sync_label.text().startswith("Not connected to a sync server")
    assert "Up to date" not in win.sync_label.text()


def test_locking_with_unsent_records_says_they_are_on_this_laptop_only(window, workspace) -> None:
    unsent = workspace.outbox_pending()
    assert unsent
    window.lock_full()
    text = window.lock_screen.message.text()
    assert f"{unsent} records are on this laptop only (not sent yet)" in text


def test_a_wiped_laptop_shows_nothing_of_the_store_and_says_why(qtbot, workspace, pool, tmp_path) -> None:
    _enrolled(workspace)

    class Erasing:
        def __init__(self, ws: Workspace) -> None:
            self.ws = ws

        def sync(self) -> None:
            self.ws.close()
            raise Wiped("Your organisation reported this laptop lost; its Waymark data was erased.")

    win = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini", sync_engine=Erasing)  # type: ignore[arg-type]
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.workspace is None, timeout=10_000)
    assert win.model.rowCount() == 0 and "erased" in win.sync_label.text()


def test_scenario_17_after_an_outage_sync_recovers_by_itself(qtbot, workspace, pool, tmp_path) -> None:
    _enrolled(workspace)
    with workspace.uow.read() as session:
        persons = [str(p) for p in session.scalars(select(models.Person.id))]
    now = {"server_time": p_timestamp(workspace.clock.now())}
    outage = {"left": 4}

    def flaky(request: httpx.Request) -> httpx.Response:
        if outage["left"] > 0:
            outage["left"] -= 1
            return httpx.Response(503, text="down")
        path = request.url.path
        if path.endswith("/push"):
            items = json.loads(request.content)["items"]
            results = [{"seq": i["seq"], "record_id": i["record_id"], "status": "accepted"} for i in items]
            body = {"results": results, "last_seq": items[-1]["seq"], "high_water_seq": 1}
            return httpx.Response(200, json={**STATE, **now, **body})
        if path.endswith("/pull"):
            body = {"changes": [], "next_cursor": "c", "has_more": False, "high_water_seq": 1, "scope": persons}
            return httpx.Response(200, json={**STATE, **now, **body})
        if path.endswith("/commands"):
            return httpx.Response(200, json={**STATE, **now})
        return httpx.Response(200, json={**STATE, **now, "clock_offset_ms": 0})

    win = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini", sync_engine=_engine(flaky))
    win._sync_backoff = Backoff(base=0.05, cap=0.2)  # the real intervals, scaled down to test time
    qtbot.addWidget(win)
    win.show()
    # Four failed attempts, each re-arming the timer, then success with no key pressed.
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=15_000)
    assert outage["left"] == 0 and workspace.outbox_pending() == 0


def test_a_welfare_check_raised_by_sync_is_said_in_the_status_bar(qtbot, workspace, pool, tmp_path) -> None:
    """A second miss recorded on another device raises the welfare check on this laptop, and the worker is
    told so in words, not only by a count moving."""
    person = workspace.caseload.rows()[0].person_id
    with workspace.uow.read() as session:
        last = session.scalar(
            select(func.max(models.ContactNote.contact_end)).where(models.ContactNote.person_id == person)
        )
    first_miss = max(last or NOW, NOW - timedelta(days=3)) + timedelta(minutes=1)
    workspace.clock.set(first_miss + timedelta(minutes=5))
    workspace.notes.record(
        NoteDraft(person, first_miss - timedelta(minutes=10), first_miss, ContactMethod.HOME_VISIT,
                  Outcome.NOT_AT_HOME, "No answer at the door")
    )  # fmt: skip
    # The next visit, 30 hours on, logged by a colleague on another laptop: the second miss in a row.
    second = remote_note(workspace, person, Outcome.NOT_AT_HOME, first_miss + timedelta(hours=30))
    workspace.clock.set(first_miss + timedelta(hours=31))
    server = Server(workspace)
    server.changes = [
        {"seq": 1, "entity": "record", "person_id": str(person), "entity_id": second["record_id"], "data": second}
    ]
    win = synced_window(qtbot, workspace, pool, tmp_path, server)
    assert workspace.missed_contacts.status(person).welfare_check_id is None
    server.release.set()
    win.sync_now()
    qtbot.waitUntil(lambda: "welfare check was raised" in win.statusBar().currentMessage(), timeout=10_000)
    assert workspace.missed_contacts.status(person).welfare_check_id is not None


def test_the_status_bar_never_says_offline_beside_syncing(qtbot, workspace, pool, tmp_path) -> None:
    """During a first sync the bar said "Offline" next to "Syncing…" (a new user's overnight review, finding 5)."""
    import threading

    _enrolled(workspace)
    answer = threading.Event()

    def slow_then_down(request: httpx.Request) -> httpx.Response:
        answer.wait(10)
        return httpx.Response(503, text="down")

    win = _window(qtbot, workspace, pool, tmp_path, slow_then_down)
    try:
        qtbot.waitUntil(lambda: "Syncing…" in win.sync_label.text(), timeout=10_000)
        assert not win.statusBar().currentMessage().startswith("Offline")
    finally:
        answer.set()
    qtbot.waitUntil(lambda: "Last sync failed" in win.sync_label.text(), timeout=10_000)
    assert "Syncing…" not in win.sync_label.text()
    assert win.statusBar().currentMessage().startswith("Offline"), "the server did not answer: said again"
    win._sync_timer.stop()
