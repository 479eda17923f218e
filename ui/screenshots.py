"""Save a PNG of each main screen on a fresh demo organisation: ``python -m ui.screenshots OUTDIR``.

Uses a real window under a display (e.g. Xvfb) when there is one, the offscreen platform otherwise.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

from ui.main import create_demo
from ui.main_window import MainWindow
from ui.tasks import serial_pool
from ui.unlock_dialog import UnlockDialog

PASSPHRASE = "screenshot demo passphrase"


def _save(widget: QWidget, path: Path) -> None:
    for _ in range(5):
        QCoreApplication.processEvents()
    widget.grab().save(str(path))
    print(path)


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "store"
        workspace = create_demo(data_dir, PASSPHRASE)
        workspace.close()
        dialog = UnlockDialog(lambda p: workspace, serial_pool(app), first_run=False)
        dialog.show()
        _save(dialog, out / "unlock.png")
        dialog.close()

        from app.workspace import Workspace

        window = MainWindow(Workspace.open(data_dir, PASSPHRASE))
        window.show()
        _save(window, out / "caseload.png")
        window.search_box.setText(window.model.row_at(1).preferred_name.split()[0])
        window.search_box.returnPressed.emit()
        _save(window, out / "person_safety_plan.png")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
