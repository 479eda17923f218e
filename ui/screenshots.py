"""Save a PNG of each main screen on a fresh demo organisation: ``python -m ui.screenshots OUTDIR``.

Uses a real window under a display (e.g. Xvfb) when there is one, the offscreen platform otherwise.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QRect, QSize, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.pathways import walk
from app.workspace import Workspace
from sync.withdrawal import Withdrawal
from ui.enrol_dialog import EnrolDialog
from ui.escalation_window import EscalationStartDialog, EscalationWindow
from ui.flowchart import FlowchartView
from ui.main import create_demo
from ui.main_window import PREFERRED_SIZE, MainWindow
from ui.note_dialog import NoteDialog
from ui.tasks import serial_pool
from ui.unlock_dialog import UnlockDialog
from ui.window_fit import fitted

PASSPHRASE = "screenshot demo passphrase"
SMALL_SCREENS = ((1366, 768), (1280, 720))


def _no_enrolment(*_args: object) -> None:
    raise RuntimeError("screenshots never enrol")


def _settle(ms: int = 300) -> None:
    # An event loop, not a processEvents() spin: PySide6 6.12 leaks a reference to None on every
    # processEvents() call, and a few million of them crash the interpreter.
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _save(widget: QWidget, path: Path) -> None:
    _settle()
    widget.grab().save(str(path))
    print(path)


def _wait_for_caseload(window: MainWindow) -> None:
    if window.model.rowCount() == 0:
        loop = QEventLoop()
        window.caseload_loaded.connect(loop.quit)
        QTimer.singleShot(20_000, loop.quit)
        loop.exec()


def _until(done: Callable[[], bool], timeout_ms: int = 20_000) -> None:
    """Let the event loop run until ``done`` (a save lands on the write queue, a window opens)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not done() and time.monotonic() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    pool = serial_pool(app)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "store"
        create_demo(data_dir, PASSPHRASE).close()
        dialog = UnlockDialog(lambda p: Workspace.open(data_dir, p), pool, first_run=False)
        dialog.show()
        _save(dialog, out / "unlock.png")
        dialog.close()

        # First run on a worker's laptop, and the same screen after the organisation withdrew the laptop.
        enrol = EnrolDialog(_no_enrolment, pool, server="https://sync.example.org", code="Q7EY-GQPV-XTDQ-ZNJA")
        enrol.show()
        _save(enrol, out / "enrol.png")
        enrol.close()
        gone = Withdrawal("retire", "2026-11-30T16:05:00+00:00", 212, 0).message()
        enrol = EnrolDialog(_no_enrolment, pool, withdrawn=gone, offer_demo=False)
        enrol.show()
        _save(enrol, out / "enrol_after_withdrawal.png")
        enrol.close()

        window = MainWindow(Workspace.open(data_dir, PASSPHRASE), pool, settings_path=Path(tmp) / "w.ini")
        window.resize(1360, 860)
        window.show()
        _wait_for_caseload(window)
        _save(window, out / "caseload.png")

        # The person with missed contacts shows the banner above their plan.
        missed = next(i for i in range(window.model.rowCount()) if window.model.row_at(i).open_episodes)
        window.search_box.setText(window.model.row_at(missed).preferred_name)
        window.search_box.returnPressed.emit()
        _save(window, out / "person_safety_plan.png")

        panel = window.person_panel
        panel.record_note()
        note = next(d for d in panel.dialogs if isinstance(d, NoteDialog))
        note.narrative.setPlainText("Talked through the week. Used step 2 (grounding). Agreed an extra call tomorrow.")
        _save(note, out / "note_dialog.png")
        note.mark_kept_as_draft()
        note.close()

        panel.escalate()
        start = next(d for d in panel.dialogs if isinstance(d, EscalationStartDialog))
        _save(start, out / "escalation_start.png")
        start.criteria["sudden-deterioration"].setChecked(True)
        start.rationale.setPlainText(
            "Much more withdrawn than last week; not eating; could not say they would be safe."
        )
        start.start()  # saved on the write queue; its window opens once it has landed
        _until(lambda: any(isinstance(d, EscalationWindow) for d in panel.dialogs))
        escalation = next(d for d in panel.dialogs if isinstance(d, EscalationWindow))
        escalation.resize(1360, 860)
        _save(escalation, out / "escalation_flowchart.png")
        escalation.answer("No")
        _until(lambda: not escalation.saving.active)
        _save(escalation, out / "escalation_flowchart_step2.png")
        escalation.close()

        # Small laptops: each window as it opens on the room a screen of that size leaves (a 32 px taskbar).
        for width, height in SMALL_SCREENS:
            available = QRect(0, 0, width, height - 32)
            window.setGeometry(fitted(PREFERRED_SIZE, window.minimumSizeHint(), available))
            panel.tabs.setCurrentIndex(0)
            _save(window, out / f"main_window_{width}x{height}.png")
            panel.tabs.setCurrentWidget(panel.notes_view)
            _save(window, out / f"person_notes_{width}x{height}.png")
            panel.tabs.setCurrentIndex(0)
            small = panel.open_escalation(escalation.escalation)
            assert small is not None
            small.setGeometry(fitted(QSize(1180, 800), small.minimumSizeHint(), available))
            _save(small, out / f"escalation_{width}x{height}.png")
            small.close()
        window.resize(1360, 860)

        # Every approved pathway as a flowchart, for the people who write and approve them.
        assert window.workspace is not None and window.workspace.config is not None
        for pathway in window.workspace.config.pathways.effective():
            chart = FlowchartView()
            chart.resize(760, 760)
            chart.show()
            chart.show_walk(pathway, walk(pathway, []))
            _save(chart, out / f"pathway_{pathway.id}.png")
            chart.close()

        window.contacts_dock.show()
        window.contacts.refresh()
        _save(window, out / "contacts.png")
        window.contacts_dock.hide()
        window.lock_full()
        _save(window, out / "lock_screen.png")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
