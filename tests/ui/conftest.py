import pytest

from ui.main_window import MainWindow
from ui.tasks import serial_pool


@pytest.fixture
def pool(qapp):
    return serial_pool(qapp)  # owned by the application, so it outlives every task


@pytest.fixture
def window(qtbot, workspace, pool, tmp_path):
    """The main window on the demo organisation, caseload loaded (off the UI thread)."""
    win = MainWindow(workspace, pool, settings_path=tmp_path / "window.ini")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model.rowCount() > 0, timeout=10_000)
    return win
