"""GUI composition root: the QApplication, the unlock step, then the main window.

The unlock window is shown before the store, the domain and the main window are loaded (about a second
of imports); they load in the background while the worker types the passphrase.
"""

from __future__ import annotations

import importlib
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import PlatformDirs
from PySide6.QtCore import QObject, QThreadPool
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.local_store import store_exists
from ui.enrol_dialog import EnrolDialog, Enroller
from ui.tasks import Task, serial_pool
from ui.unlock_dialog import UnlockDialog
from ui.wheel_guard import install_wheel_guard

if TYPE_CHECKING:
    from app.workspace import Workspace
    from sync.enrolment import Enrolled

_WARM = ("app.workspace", "resources.demo.generator", "ui.main_window", "sync.enrolment")


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


def show_unlock(
    data_dir: Path, *, server: str = "", code: str = "", note: str | None = None
) -> tuple[QApplication, QThreadPool, UnlockDialog | EnrolDialog, Task]:
    """The unlock window, or on first run the enrolment window, on screen at once; the rest loads behind it.

    ``server`` and ``code`` fill in the enrolment form (``make run`` passes the demo server's); ``note`` is
    shown on it (e.g. that the demo server could not start)."""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Waymark")
    install_wheel_guard(app)  # before any window: the wheel never changes a field the worker is not in
    pool = serial_pool(app)
    dialog = first_dialog(data_dir, pool, server=server, code=code, note=note)
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


def first_dialog(
    data_dir: Path,
    pool: QThreadPool,
    *,
    server: str = "",
    code: str = "",
    note: str | None = None,
    withdrawn: str | None = None,
) -> UnlockDialog | EnrolDialog:
    """Unlock when this laptop has a store; otherwise enrol it (or, on the worker's choice, try the demo)."""
    if store_exists(data_dir):
        from app.unlock_wait import seconds_to_wait

        def opener(passphrase: str) -> Workspace:
            from app.workspace import Workspace

            return Workspace.open(data_dir, passphrase)

        return UnlockDialog(opener, pool, first_run=False, seconds_to_wait=lambda: seconds_to_wait(data_dir))
    if withdrawn is None:
        from sync.withdrawal import read_withdrawal

        earlier = read_withdrawal(data_dir)
        withdrawn = earlier.message() if earlier else None
    return EnrolDialog(
        enroller(data_dir), pool, withdrawn=withdrawn, offer_demo=withdrawn is None, server=server, code=code, note=note
    )


def demo_dialog(data_dir: Path, pool: QThreadPool) -> UnlockDialog:
    """Choose a passphrase, then a store holding the demo organisation (no server: it stays on this laptop)."""
    return UnlockDialog(lambda passphrase: create_demo(data_dir, passphrase), pool, first_run=True)


def enroller(data_dir: Path) -> Enroller:
    def run(server: str, code: str, passphrase: str, ca: Path | None, progress: Callable[[str], None]) -> Enrolled:
        from sync.enrolment import enrol_new_store

        name = socket.gethostname()[:200] or "laptop"
        return enrol_new_store(data_dir, passphrase, server, code, name, ca, progress)

    return run


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


def run_gui(data_dir: Path, *, server: str = "", code: str = "", note: str | None = None) -> int:
    app, pool, dialog, _warm = show_unlock(data_dir, server=server, code=code, note=note)
    flow = GuiFlow(pool, data_dir)
    flow.attach(dialog)
    code = app.exec()
    # Every queued save lands, and the store closes, before the process ends; quitting at once (the first
    # window closed) can also leave the background loading running: let it end while its tasks still exist.
    pool.waitForDone()
    return code


class GuiFlow(QObject):
    """Which window is up: the first dialog, then the main window; after a wipe, enrolment again."""

    def __init__(self, pool: QThreadPool, data_dir: Path) -> None:
        super().__init__()
        self._pool = pool
        self._data_dir = data_dir
        self.dialog: QDialog | None = None
        self.window: QWidget | None = None
        self._check: Task | None = None

    def attach(self, dialog: UnlockDialog | EnrolDialog) -> None:
        self.dialog = dialog
        dialog.unlocked.connect(self.open_main)
        if isinstance(dialog, EnrolDialog):
            dialog.demo_chosen.connect(self.offer_demo)

    def offer_demo(self) -> None:
        dialog = demo_dialog(self._data_dir, self._pool)
        self.attach(dialog)
        dialog.show()  # before the enrolment window closes, so the application does not quit between them

    def open_main(self, workspace: Workspace) -> None:
        from ui.main_window import MainWindow

        window = MainWindow(workspace, self._pool, settings_path=settings_file())
        window.withdrawn.connect(self.withdrawn)
        window.show()
        self.window = window
        self._check = check_in_background(window, workspace)  # kept alive until it reports

    def withdrawn(self, message: str) -> None:
        """The organisation's command erased the store: back to enrolment, saying why."""
        dialog = first_dialog(self._data_dir, self._pool, withdrawn=message)
        self.attach(dialog)
        dialog.show()
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None


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
