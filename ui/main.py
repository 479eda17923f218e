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
from PySide6.QtWidgets import QApplication, QDialog, QWidget

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

    def fill(workspace: Workspace) -> None:
        populate(workspace)
        workspace.mark_demo()

    # Filled in before it is moved into place: an interrupted first run leaves no half-made store.
    workspace = Workspace.create(data_dir, passphrase, prepare=fill)
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

    def wait_left() -> float:
        from app.unlock_wait import seconds_to_wait

        return 0.0 if first_run else seconds_to_wait(data_dir)

    dialog = UnlockDialog(opener, pool, first_run=first_run, seconds_to_wait=wait_left)
    dialog.show()
    # The serial pool runs this before any unlock the worker submits, so the unlock never waits on
    # imports started twice.
    warm = Task(lambda: [importlib.import_module(name) for name in _WARM] and None)
    warm.outcome.succeeded.connect(lambda _r: dialog.check_wait())
    pool.start(warm)
    help_task = Task(lambda: crisis_help(home_nation()))
    help_task.outcome.succeeded.connect(dialog.show_help)
    dialog.setProperty("help_task", help_task)  # kept alive until it reports
    pool.start(help_task)
    return app, pool, dialog, warm


def home_nation() -> str:
    """The worker's nation as last remembered (not personal data); England until first unlocked."""
    from PySide6.QtCore import QSettings

    value = QSettings(str(settings_file()), QSettings.Format.IniFormat).value("nation")
    return value if isinstance(value, str) else "england"


def crisis_help(nation: str) -> str:
    """The lock screen's crisis numbers and what to do, for the unlock window."""
    from app.clock import SystemClock
    from app.org_config import OrgConfig
    from app.persons import Nation
    from ui.lock_screen import lock_screen_html

    clock = SystemClock()
    try:
        chosen = Nation(nation)
    except ValueError:
        chosen = Nation.ENGLAND
    html = lock_screen_html(OrgConfig.load(clock.now().date()), clock, chosen)
    return html.replace("<h1>Waymark is locked</h1>", "")


def run_gui(data_dir: Path) -> int:
    app, pool, dialog, _warm = show_unlock(data_dir)
    opened: list[Workspace] = []
    dialog.unlocked.connect(opened.append)
    if dialog.exec() != QDialog.DialogCode.Accepted or not opened:
        return 0
    from ui.main_window import MainWindow

    window = MainWindow(opened[0], pool, settings_path=settings_file())
    window.show()
    _check = check_in_background(window, opened[0])  # kept alive until it reports
    code = app.exec()
    pool.waitForDone()  # every queued save lands, and the store closes, before the process ends
    return code


def check_in_background(window: QWidget, workspace: Workspace) -> Task | None:
    """Say at once when records were found missing on unlock; otherwise run the slow checks (full
    integrity check, audit chain) off the UI thread, and say so if they fail. Saves go on meanwhile."""
    from PySide6.QtWidgets import QMessageBox

    title = "Waymark: some records are missing"
    if workspace.problem:
        QMessageBox.warning(window, title, workspace.problem)
        return None
    task = Task(workspace.check_thoroughly)
    task.outcome.succeeded.connect(lambda problem: problem and QMessageBox.warning(window, title, problem))
    QThreadPool.globalInstance().start(task)
    return task
