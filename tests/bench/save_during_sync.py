"""Benchmark: how long a note signed during a long sync waits, the sync holding the write queue whole (as
before issue 13 item 2) beside the sync taking it only per unit of local writing (now), in the same run.

A slow link is a mock server that waits before answering each pull page; the note is queued once the sync
has applied its first page. Target: the save waits for at most about one page's local write, far below
the sync's length.

    QT_QPA_PLATFORM=offscreen python tests/bench/save_during_sync.py [--pages 20] [--per-page 25] [--delay 0.15]

Measured 2026-12-02 on the shared 2-core build machine (20 pages of 25 notes, 0.15 s per page):
whole sync on the queue: sync 7.25 s, the note waited 6,918 ms; per unit: sync 7.04 s, the note waited 37 ms
(0.5 % of the sync's length).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def run(mode: str, pages: int, per_page: int, delay: float) -> tuple[float, float]:
    """(seconds the sync took, seconds the note waited from queued to saved)."""
    import httpx
    from PySide6.QtCore import QEventLoop, QThreadPool, QTimer
    from sqlalchemy import select

    from app.clock import FixedClock
    from app.contact_notes import ContactMethod, NoteDraft, Outcome
    from app.workspace import Workspace
    from resources.demo.generator import populate
    from storage import models
    from sync.client import SyncClient
    from sync.engine import SyncEngine, SyncState, run_here
    from tests.conftest import NOW, PASSPHRASE, TEST_KDF
    from tests.ui.fake_sync import STATE, remote_note
    from ui.operations import StoreOps
    from ui.tasks import Task, serial_pool

    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace.create(Path(tmp) / "laptop", PASSPHRASE, kdf=TEST_KDF, clock=FixedClock(NOW))
        populate(workspace, persons=20, seed=5, now=NOW)
        with workspace.uow.write() as session:
            SyncState("http://sync.invalid", "t", "d", "u", "o", "worker", "e1", "k").save(session)
            scope = [str(p) for p in session.scalars(select(models.Person.id))]
        person = workspace.caseload.rows()[0].person_id
        envelopes = [remote_note(workspace, person) for _ in range(pages * per_page)]
        first_applied = threading.Event()
        now = {"server_time": "2026-11-26T14:30:00.000000Z"}

        def server(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/pull"):
                cursor = request.url.params.get("cursor", "")
                page = int(cursor[1:]) if cursor else 0
                if page == 1:
                    first_applied.set()  # page one is applied with its cursor before page two is asked for
                time.sleep(delay)  # the slow link
                chunk = envelopes[page * per_page : (page + 1) * per_page]
                changes = [{"seq": page * per_page + i + 1, "entity": "record", "person_id": e["person_id"],
                            "entity_id": e["record_id"], "data": e} for i, e in enumerate(chunk)]  # fmt: skip
                body = {"changes": changes, "next_cursor": f"c{page + 1}", "has_more": page + 1 < pages,
                        "high_water_seq": pages * per_page, "scope": scope}  # fmt: skip
                return httpx.Response(200, json={**STATE, **now, **body})
            if request.url.path.endswith("/push"):  # the demo's history is in the outbox: acknowledged
                items = json.loads(request.content)["items"]
                results = [{"seq": i["seq"], "record_id": i["record_id"], "status": "accepted"} for i in items]
                body = {"results": results, "last_seq": items[-1]["seq"], "high_water_seq": 1}
                return httpx.Response(200, json={**STATE, **now, **body})
            if request.url.path.endswith("/heartbeat"):
                return httpx.Response(200, json={**STATE, **now, "clock_offset_ms": 0})
            return httpx.Response(200, json={**STATE, **now})

        transport = httpx.MockTransport(server)
        engine = SyncEngine(
            workspace, client_factory=lambda st, _ca: SyncClient(st.server, st.token, transport=transport)
        )
        queue = serial_pool(QThreadPool.globalInstance())
        ops = StoreOps(queue)
        done = {"sync": 0.0, "save": 0.0}
        loop = QEventLoop()
        if mode == "whole":  # the design before: one task on the write queue, network waits included
            engine.local = run_here
            sync_on = queue
        else:
            engine.local = ops.sync_units(threading.Event())
            sync_on = QThreadPool()
        task = Task(engine.sync)
        started = time.perf_counter()
        task.outcome.succeeded.connect(lambda _r: done.__setitem__("sync", time.perf_counter() - started))
        task.outcome.failed.connect(lambda exc: (print(f"sync failed: {exc}"), loop.quit()))
        sync_on.start(task)
        assert first_applied.wait(30)
        draft = NoteDraft(person, NOW - timedelta(hours=1), NOW - timedelta(minutes=40), ContactMethod.PHONE,
                          Outcome.SPOKEN_TO, "Signed during the sync")  # fmt: skip
        queued = time.perf_counter()

        def saved(_result: Any) -> None:
            done["save"] = time.perf_counter() - queued

        ops.run(lambda: workspace.notes.record(draft), succeeded=saved)
        poll = QTimer(interval=10)
        poll.timeout.connect(lambda: done["sync"] and done["save"] and loop.quit())
        poll.start()
        loop.exec()
        queue.waitForDone()
        sync_on.waitForDone()
        workspace.close()
        return done["sync"], done["save"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--per-page", type=int, default=25)
    parser.add_argument("--delay", type=float, default=0.15, help="seconds the server waits before each page")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    _app = QApplication([])
    results = {}
    for mode in ("whole", "units"):
        sync_s, save_s = run(mode, args.pages, args.per_page, args.delay)
        results[mode] = {"sync_s": round(sync_s, 3), "save_wait_s": round(save_s, 3)}
        print(f"{mode:>5}: sync {sync_s:6.2f} s, note signed after page one waited {save_s * 1000:7.0f} ms")
    ratio = results["units"]["save_wait_s"] / results["units"]["sync_s"]
    print(f"per unit: the save waited {ratio:.1%} of the sync's length")
    print(json.dumps({"pages": args.pages, "per_page": args.per_page, "delay_s": args.delay, **results}))


if __name__ == "__main__":
    main()
