"""A worker typing into every kind of form when the laptop dies, for the crash test:
``python -m tests.ui.form_draft_child DATA_DIR``.

It opens the app's main window on the store, types into each form as a worker would and prints ``KEPT``
once every form draft holding what was typed is in the store (found by reading the store, not by waiting a
while). Then it waits for standard input, and the test kills it with SIGKILL: no lock, no quit,
no chance to save anything more.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from app.clock import FixedClock
from app.workspace import Workspace
from tests.conftest import NOW, PASSPHRASE
from tests.ui.form_typing import TYPED, TYPED_KINDS, open_form, type_into
from ui.main_window import MainWindow
from ui.tasks import serial_pool


def main(data_dir: Path) -> None:
    app = QApplication([])
    ws = Workspace.open(data_dir, PASSPHRASE, clock=FixedClock(NOW))
    window = MainWindow(ws, serial_pool(app), settings_path=data_dir.parent / "child-window.ini")
    window.show()
    person = ws.caseload.rows()[0].person_id
    window.open_person(person)
    for kind in TYPED_KINDS:
        type_into(open_form(window.person_panel, kind), kind)
    loop = QEventLoop()
    poll = QTimer(interval=50)

    def kept() -> None:
        kept = {d.kind: d for d in ws.forms.for_person(person)}
        if all(k in kept and TYPED[k] in str(kept[k].fields) for k in TYPED_KINDS):
            loop.quit()

    poll.timeout.connect(kept)
    poll.start()
    loop.exec()
    print("KEPT", flush=True)
    sys.stdin.readline()  # killed here


if __name__ == "__main__":
    main(Path(sys.argv[1]))
