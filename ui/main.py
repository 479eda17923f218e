"""GUI composition root: the QApplication, the unlock step, then the main window.

The unlock window is shown before the store, the domain and the main window are loaded (about a second
of imports); they load in the background while the worker types the passphrase.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import PlatformDirs
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QDialog

from app.local_store import store_exists
from ui.tasks import Task, serial_pool
from ui.unlock_dialog import UnlockDialog

if TYPE_CHECKING:
    from app.workspace import Workspace

_WARM = ("app.workspace", "resources.demo.generator", "ui.main_window")


def create_demo(data_dir: Path, passphrase: str) -> Workspace:
    """First run with nothing configured: a store holding the demo organisation."""
    from app.workspace import Workspace
    from resources.demo.generator import populate

    workspace = Workspace.create(data_dir, passphrase)
    populate(workspace)
    workspace.mark_demo()
    workspace.close()
    return Workspace.open(data_dir, passphrase)


def settings_file() -> Path:
    """Window geometry only (no personal data), in the platform's config folder."""
    return PlatformDirs("Waymark", appauthor=False).user_config_path / "window.ini"


def show_unlock(data_dir: Path) -> tuple[QApplication, QThreadPool, UnlockDialog, Task]:
    """The unlock (or first-run) window, on screen at once; the rest loads behind it."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Waymark")
    pool = serial_pool(app)
    first_run = not store_exists(data_dir)

    def opener(passphrase: str) -> Workspace:
        if first_run:
            return create_demo(data_dir, passphrase)
        from app.workspace import Workspace

        return Workspace.open(data_dir, passphrase)

    dialog = UnlockDialog(opener, pool, first_run=first_run)
    dialog.show()
    # The serial pool runs this before any unlock the worker submits, so the unlock never waits on
    # imports started twice.
    warm = Task(lambda: [importlib.import_module(name) for name in _WARM] and None)
    pool.start(warm)
    return app, pool, dialog, warm


def run_gui(data_dir: Path) -> int:
    app, pool, dialog, _warm = show_unlock(data_dir)
    opened: list[Workspace] = []
    dialog.unlocked.connect(opened.append)
    if dialog.exec() != QDialog.DialogCode.Accepted or not opened:
        return 0
    from ui.main_window import MainWindow

    window = MainWindow(opened[0], pool, settings_path=settings_file())
    window.show()
    return app.exec()
