"""The "Enrol this laptop" first-run screen against a real server process: enrolment and the first sync
off the UI thread, each failure said plainly with everything typed kept, and the way back to this screen
after the organisation withdraws the laptop."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.clock import SystemClock
from app.local_store import store_exists
from app.workspace import Workspace
from sync.engine import SyncEngine
from sync.enrolment import Enrolled, enrol_new_store
from tests.conftest import PASSPHRASE, TEST_KDF
from tests.sync.live.conftest import LiveServer, enrolled_workspace
from ui.enrol_dialog import EnrolDialog
from ui.main import GuiFlow
from ui.main_window import MainWindow, sync_pool
from ui.tasks import serial_pool


@pytest.fixture
def pool(qapp):
    return serial_pool(qapp)


def _enroller(data_dir: Path) -> Callable[..., Enrolled]:
    def run(server: str, code: str, passphrase: str, ca: Path | None, progress: Callable[[str], None]) -> Enrolled:
        return enrol_new_store(
            data_dir, passphrase, server, code, "test laptop", ca, progress, kdf=TEST_KDF, clock=SystemClock()
        )

    return run


def _dialog(qtbot, pool, data_dir: Path, **kwargs) -> EnrolDialog:
    dialog = EnrolDialog(_enroller(data_dir), pool, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(dialog: EnrolDialog, server: str, code: str, ca: str = "") -> None:
    dialog.server.setText(server)
    dialog.code.setText(code)
    dialog.passphrase.setText(PASSPHRASE)
    dialog.confirm.setText(PASSPHRASE)
    dialog.ca.setText(ca)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again at once: nothing listens there


def test_enrolling_from_the_screen_brings_the_caseload_off_the_ui_thread(
    qtbot, pool, live_server: LiveServer, tmp_path: Path
) -> None:
    data = tmp_path / "laptop"
    dialog = _dialog(qtbot, pool, data)
    said: list[str] = []
    dialog._progress.said.connect(said.append)
    _fill(dialog, live_server.url, live_server.code())
    with qtbot.waitSignal(dialog.unlocked, timeout=60_000) as opened:
        qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
        assert dialog.busy.isVisible() and not dialog.server.isEnabled(), "busy while it works, and says so"
    workspace: Workspace = opened.args[0]
    try:
        assert any("Asking the server" in s for s in said) and any("caseload" in s for s in said)
        assert len(workspace.caseload.rows()) == 4
        assert dialog.first_sync_problem is None and dialog.passphrase.text() == ""
    finally:
        workspace.close()


def test_every_enrolment_failure_says_what_to_do_and_keeps_what_was_typed(
    qtbot, pool, live_server: LiveServer, tmp_path: Path
) -> None:
    """One worker's mistakes in turn on the same screen, as they would meet them."""
    data = tmp_path / "laptop"
    dialog = _dialog(qtbot, pool, data)
    spent = live_server.code()
    _enroller(tmp_path / "other")(live_server.url, spent, PASSPHRASE, None, lambda _s: None).workspace.close()
    cases = [
        # (what is typed: server, code, passphrase), what the screen says, the field it goes back to
        ((f"http://127.0.0.1:{_closed_port()}", live_server.code(), PASSPHRASE), "could not be reached", dialog.server),
        # A wrong and a used code get the same answer: the server says nothing about which codes exist.
        ((live_server.url, "ABCD-EFGH-JKLM-NPQR", PASSPHRASE), "mistyped, already used or expired", dialog.code),
        ((live_server.url, spent, PASSPHRASE), "mistyped, already used or expired", dialog.code),
        # The server speaks plain HTTP on loopback, so a TLS handshake with it fails.
        ((live_server.url.replace("http://", "https://"), live_server.code(), PASSPHRASE), "identity", dialog.ca),
        (("http://sync.example.org", live_server.code(), PASSPHRASE), "unencrypted", dialog.server),
        ((live_server.url, live_server.code(), "short"), "at least 8 characters", dialog.passphrase),
    ]
    for (server, code, passphrase), expected, field in cases:
        _fill(dialog, server, code)
        dialog.passphrase.setText(passphrase)
        dialog.confirm.setText(passphrase)
        dialog.message.clear()
        qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda e=expected: dialog._task is None and e in dialog.message.text(), timeout=30_000)
        if passphrase == PASSPHRASE:
            assert "Nothing you typed was lost" in dialog.message.text(), expected
        assert dialog.isVisible() and dialog.server.isEnabled() and dialog.enrol_button.isEnabled()
        assert not dialog.isActiveWindow() or QApplication.focusWidget() is field, expected
        assert (dialog.server.text(), dialog.code.text(), dialog.passphrase.text()) == (server, code, passphrase)
        assert not store_exists(data), "a refused enrolment keeps nothing, so another passphrase can be chosen"


def test_after_the_laptop_is_withdrawn_the_app_returns_to_enrolment_and_says_why(
    qtbot, pool, live_server: LiveServer, tmp_path: Path
) -> None:
    data = tmp_path / "leaver"
    workspace = enrolled_workspace(live_server, data)
    device = SyncEngine(workspace).state().device_id
    flow = GuiFlow(pool, data)
    window = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini")
    window.withdrawn.connect(flow.withdrawn)
    flow.window = window  # the flow closes and deletes it when the laptop is withdrawn
    window.show()
    qtbot.waitUntil(lambda: not window._syncing and "Last synced" in window.sync_label.text(), timeout=30_000)
    live_server.admin("retire", device)
    window.sync_now()
    qtbot.waitUntil(lambda: isinstance(flow.dialog, EnrolDialog), timeout=30_000)
    dialog = flow.dialog
    assert isinstance(dialog, EnrolDialog)
    qtbot.addWidget(dialog)
    text = dialog.withdrawn.text()
    assert dialog.isVisible() and dialog.withdrawn.isVisible()
    assert "withdrawn from Waymark by your organisation on" in text
    # The demo worker's first sync raised and sent the welfare check the demo's two missed visits call for.
    assert "Nothing recorded on it was lost: 1 record had been sent to the server" in text
    assert dialog.demo_button is None, "a withdrawn work laptop is not offered the demo"
    assert flow.window is None and not store_exists(data)
    # Enrolled again with a new code, in the same folder.
    _fill(dialog, live_server.url, live_server.code())
    dialog._enroller = _enroller(data)
    with qtbot.waitSignal(dialog.unlocked, timeout=60_000) as opened:
        qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    again: Workspace = opened.args[0]
    try:
        assert len(again.caseload.rows()) == 4
        assert uuid.UUID(SyncEngine(again).state().device_id) != uuid.UUID(device)
    finally:
        # The flow opened a main window on the new store: its shortcuts are application-wide, so it must not
        # outlive this test and take the next test's keys.
        if flow.window is not None:
            flow.window.hide()  # a hidden window's shortcuts are not live
            flow.window.setEnabled(False)
        pool.waitForDone(30_000)  # its loading ends before the store it reads is closed
        sync_pool().waitForDone(30_000)  # and its first sync, which runs beside the write queue
        again.close()
