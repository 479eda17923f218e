"""GUI composition root: the QApplication, the unlock step, then the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from platformdirs import PlatformDirs
from PySide6.QtWidgets import QApplication, QDialog

from app.workspace import Workspace, store_exists
from resources.demo.generator import populate
from ui.main_window import MainWindow
from ui.tasks import serial_pool
from ui.unlock_dialog import UnlockDialog


def create_demo(data_dir: Path, passphrase: str) -> Workspace:
    """First run with nothing configured: a store holding the demo organisation."""
    workspace = Workspace.create(data_dir, passphrase)
    populate(workspace)
    workspace.mark_demo()
    workspace.close()
    return Workspace.open(data_dir, passphrase)


def settings_file() -> Path:
    """Window geometry only (no personal data), in the platform's config folder."""
    return PlatformDirs("Waymark", appauthor=False).user_config_path / "window.ini"


def run_gui(data_dir: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Waymark")
    pool = serial_pool(app)
    first_run = not store_exists(data_dir)

    def opener(passphrase: str) -> Workspace:
        if first_run:
            return create_demo(data_dir, passphrase)
        return Workspace.open(data_dir, passphrase)

    dialog = UnlockDialog(opener, pool, first_run=first_run)
    opened: list[Workspace] = []
    dialog.unlocked.connect(opened.append)
    if dialog.exec() != QDialog.DialogCode.Accepted or not opened:
        return 0
    window = MainWindow(opened[0], pool, settings_path=settings_file())
    window.show()
    return app.exec()
