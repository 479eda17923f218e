"""A laptop whose sign-in lapsed (issue 12 hardening): against the in-process demo server, whose own check
really refuses the token as expired, the status bar says so in words and offers "Renew this laptop's
enrolment…"; a bad code changes nothing and keeps what was typed; a new code renews the same device, and
the records that waited go at the sync that follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select, update

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.workspace import Workspace
from sync.engine import SyncEngine
from sync.server.models import Device, Record
from tests.conftest import NOW
from tests.sync.inprocess import WORKER, DemoServer
from ui.main_window import MainWindow
from ui.renew_dialog import RenewDialog


def _lapse(server: DemoServer) -> None:
    with server.admin.engine.begin() as connection:
        connection.execute(update(Device).values(token_renewed_at=datetime(2000, 1, 1, tzinfo=UTC)))


def _server_records(server: DemoServer) -> set:
    with server.admin.engine.connect() as connection:
        return set(connection.scalars(select(Record.record_id)))


def test_a_lapsed_sign_in_is_said_and_renewed_from_the_status_bar(
    qtbot, pool, demo_server: DemoServer, tmp_path: Path
) -> None:
    laptop = demo_server.laptop(WORKER, tmp_path / "laptop")
    person = laptop.caseload.rows()[0].person_id
    notes = [
        laptop.notes.record(
            NoteDraft(person, NOW - timedelta(hours=3 - i), NOW - timedelta(hours=2 - i), ContactMethod.PHONE,
                      Outcome.SPOKEN_TO, f"Rang from the van, call {i}")
        )[0].id
        for i in range(2)
    ]  # fmt: skip
    before = SyncEngine(laptop).state()
    _lapse(demo_server)

    def engine(ws: Workspace) -> SyncEngine:
        return SyncEngine(
            ws, client_factory=lambda st, _ca: demo_server.factory(st.server, st.token), now=demo_server.clock.now
        )

    win = MainWindow(laptop, pool, settings_path=tmp_path / "w.ini", sync_engine=engine)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: not win._syncing and win.renew_button.isVisible(), timeout=20_000)
    status = win.sync_label.text()
    assert "sign-in to the server has lapsed (nothing is lost)" in status
    assert "2 records on this laptop only (unsent)" in status and "Up to date" not in status
    assert "enrol it again" in win.sync_label.toolTip(), "the server's refusal in full"
    assert win.renew_button.text() == "Renew this laptop's enrolment…"
    assert laptop.outbox_pending() == 2 and not set(notes) & _server_records(demo_server)

    qtbot.mouseClick(win.renew_button, Qt.MouseButton.LeftButton)
    dialog = win.renew_dialog
    assert isinstance(dialog, RenewDialog) and dialog.isVisible()
    intro = dialog.intro.text()
    assert "has lapsed" in intro and "The 2 records not sent yet stay on this laptop" in intro
    assert "phone them now" in intro, "sending is never notification"

    # A code the server does not know: said in words, nothing changed, the code kept as typed.
    qtbot.keyClicks(dialog.code, "WRONG-CODE")
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.busy and "Nothing on this laptop was changed" in dialog.message.text())
    assert dialog.isVisible() and dialog.code.text() == "WRONG-CODE"
    assert SyncEngine(laptop).state().token == before.token and laptop.outbox_pending() == 2

    dialog.code.setText(demo_server.admin.enrol_code(WORKER))
    qtbot.keyClick(dialog.code, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=20_000)
    after = SyncEngine(laptop).state()
    assert after.device_id == before.device_id and after.token != before.token, "the same device, renewed"
    assert laptop.outbox_pending() == 0 and set(notes) <= _server_records(demo_server)
    assert not win.renew_button.isVisible()
