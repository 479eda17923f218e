"""A laptop whose built-in national lines file cannot be read (clinical safety review, finding 3): the window
says so where organisation file problems are shown, and the lock screen still gives 999."""

from __future__ import annotations

import shutil

from PySide6.QtWidgets import QLabel

from app.org_config import BUNDLED, OrgConfig
from app.workspace import Workspace
from tests.conftest import PASSPHRASE
from ui.main_window import MainWindow


def test_the_window_says_the_national_lines_failed_and_the_lock_screen_keeps_999(
    qtbot, demo_dir, clock, pool, tmp_path
) -> None:
    contacts = tmp_path / "contacts"
    contacts.mkdir()
    shutil.copy(BUNDLED / "contacts" / "demo-local.toml", contacts)
    (contacts / "national.toml").write_text("version = ", encoding="utf-8")  # damaged on this laptop
    config = OrgConfig.load(clock.now().date(), contacts_dir=contacts)
    workspace = Workspace.open(demo_dir, PASSPHRASE, clock=clock, config=config)
    try:
        win = MainWindow(workspace, pool, settings_path=tmp_path / "window.ini")
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.model.rowCount() > 0, timeout=10_000)
        problems = "Organisation file problems"
        (label,) = [w for w in win.statusBar().findChildren(QLabel) if w.accessibleName() == problems]
        assert label.isVisible()
        said = label.toolTip()
        assert "national.toml: is not valid TOML" in said
        assert "built-in national crisis lines could not be read, so 999 is still offered" in said
        assert "Nothing you recorded is affected" in said
        win.lock_full()
        text = win.lock_screen.help.toPlainText()
        assert "Emergency services: Phone 999" in text
    finally:
        workspace.close()
