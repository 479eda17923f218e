"""After unlock the worker is told at once when records were found missing, and the slow checks (full
integrity check, audit chain) run off the UI thread and report the same way."""

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from app.workspace import Workspace
from storage.layout import SEAL_NAME
from tests.conftest import PASSPHRASE
from ui import main as ui_main


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    return shown


def test_missing_records_found_on_unlock_are_said_at_once(qtbot, demo_dir: Path, warnings: list[str]) -> None:
    Workspace.open(demo_dir, PASSPHRASE).close()
    (demo_dir / SEAL_NAME).unlink()
    ws = Workspace.open(demo_dir, PASSPHRASE)
    window = QWidget()
    qtbot.addWidget(window)
    try:
        assert ui_main.check_in_background(window, ws) is None
        assert warnings == [ws.problem] and "read-only" in warnings[0]
    finally:
        ws.close()


def test_the_background_check_reports_a_broken_audit_trail(qtbot, demo_dir: Path, warnings: list[str]) -> None:
    ws = Workspace.open(demo_dir, PASSPHRASE)
    with ws.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_event_append_only")
        conn.exec_driver_sql("UPDATE audit_event SET action = 'view' WHERE seq = 1")
    window = QWidget()
    qtbot.addWidget(window)
    try:
        task = ui_main.check_in_background(window, ws)
        assert task is not None
        qtbot.waitUntil(lambda: bool(warnings), timeout=20_000)
        assert "audit trail" in warnings[0] and ws.problem == warnings[0]
    finally:
        ws.close()


def test_a_healthy_store_says_nothing(qtbot, demo_dir: Path, warnings: list[str]) -> None:
    ws = Workspace.open(demo_dir, PASSPHRASE)
    window = QWidget()
    qtbot.addWidget(window)
    try:
        task = ui_main.check_in_background(window, ws)
        assert task is not None
        with qtbot.waitSignal(task.outcome.succeeded, timeout=20_000):
            pass
        assert warnings == [] and ws.problem is None
    finally:
        ws.close()
