"""Benchmark: how fast the client gets a worker to the plan, beside a bare PySide6 window in the same run.

- cold start to the unlock window shown, against a bare QWidget shown (the floor); target <= 1.5x
- unlock to caseload shown, with 1,000 and 10,000 persons (floor KDF: this measures Waymark, not Argon2)
- quick find to plan shown after Enter, with 10,000 persons; target <= 100 ms

    QT_QPA_PLATFORM=offscreen python tests/bench/ui_timings.py [--persons 1000 10000] [--starts 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "benchmark passphrase"
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)

# Each child prints once its window has been exposed (painted); the parent times spawn to that line.
BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget(); w.resize(440, 200); w.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit()))
app.exec()
"""
WAYMARK = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from PySide6.QtCore import QTimer
from ui.main import show_unlock
app, pool, dialog, warm = show_unlock(Path({data!r}))
QTimer.singleShot(0, lambda: print("shown", flush=True))
warm.outcome.succeeded.connect(lambda _: app.quit())  # exit cleanly once the background imports finish
app.exec()
pool.waitForDone()  # as the app does: a task still running at exit would report to torn-down signals
"""


def time_to_shown(code: str) -> float:
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - start
    child.wait(timeout=60)
    if line.strip() != "shown":
        raise SystemExit(f"child did not show its window (exit {child.returncode})")
    return elapsed


def cold_start(starts: int) -> None:
    bare = statistics.median(time_to_shown(BARE) for _ in range(starts))
    with tempfile.TemporaryDirectory() as tmp:
        code = WAYMARK.format(root=str(ROOT), data=str(Path(tmp) / "store"))
        waymark = statistics.median(time_to_shown(code) for _ in range(starts))
    print(f"cold start to window shown (median of {starts}): bare PySide6 {bare * 1000:.0f} ms, "
          f"Waymark unlock window {waymark * 1000:.0f} ms, ratio {waymark / bare:.2f}x (target <= 1.5x)")  # fmt: skip


def caseload_and_find(persons: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.clock import FixedClock
    from app.workspace import Workspace
    from resources.demo.generator import populate
    from storage.keyfile import KdfParams
    from ui.main_window import MainWindow
    from ui.tasks import serial_pool

    app = QApplication.instance() or QApplication([])
    pool = serial_pool(app)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "store"
        built = time.perf_counter()
        ws = Workspace.create(data, PASSPHRASE, kdf=KdfParams.floor(), clock=FixedClock(NOW))
        populate(ws, persons=persons, seed=5, now=NOW)
        ws.close()
        built = time.perf_counter() - built

        start = time.perf_counter()
        window = MainWindow(
            Workspace.open(data, PASSPHRASE, clock=FixedClock(NOW)), pool, settings_path=Path(tmp) / "w"
        )
        window.show()
        loop = QEventLoop()
        window.caseload_loaded.connect(loop.quit)
        QTimer.singleShot(120_000, loop.quit)
        loop.exec()
        shown = time.perf_counter() - start
        assert window.model.rowCount() == persons

        finds = []
        for row in range(0, persons, max(1, persons // 20)):
            name = window.model.row_at(row).preferred_name
            window.search_box.setText(name)  # typing: the filter runs as each key arrives
            t0 = time.perf_counter()
            window.search_box.returnPressed.emit()
            window.plan_view.viewport().repaint()  # painted, not just laid out
            finds.append(time.perf_counter() - t0)
            assert name in window.plan_view.toPlainText()
        window.close()
        pool.waitForDone()  # closing hands the store's close to the pool; let it finish before the folder goes
    print(
        f"{persons:>6} persons: demo build {built:.1f} s; unlock (floor KDF) to caseload shown "
        f"{shown * 1000:.0f} ms; Enter to plan shown median {statistics.median(finds) * 1000:.0f} ms, "
        f"max {max(finds) * 1000:.0f} ms (target <= 100 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    cold_start(args.starts)
    for n in args.persons:
        caseload_and_find(n)


if __name__ == "__main__":
    main()
