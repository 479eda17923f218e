"""``make run``'s script (ui/demo_run.py), without the GUI loop: it starts a real waymark-server on loopback
with the demo organisation, hands the app the address and a fresh code so the demo worker's laptop enrols
and syncs, reuses both on the next run, and stops the server when the app exits; with no server, the app
still opens and says sync is unavailable."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx

from app.clock import SystemClock
from app.workspace import Workspace
from sync.engine import SyncEngine
from sync.enrolment import enrol_new_store
from tests.conftest import PASSPHRASE, TEST_KDF
from ui.demo_run import run_demo


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_make_run_enrols_the_demo_worker_against_a_local_server_and_stops_it_on_exit(tmp_path: Path) -> None:
    root, port = tmp_path / ".demo-data", _free_port()
    seen: list[dict[str, Any]] = []

    def first_gui(data_dir: Path, **kwargs: Any) -> int:
        # What the enrolment screen does with what it was handed: the real enrolment and first sync.
        assert _up(kwargs["server"]), "the server answers while the app is open"
        enrolled = enrol_new_store(
            data_dir, PASSPHRASE, kwargs["server"], kwargs["code"], "demo", None, lambda _s: None, kdf=TEST_KDF
        )
        try:
            assert enrolled.first_sync_problem is None
            seen.append({"rows": len(enrolled.workspace.caseload.rows()), **kwargs})
        finally:
            enrolled.workspace.close()
        return 0

    assert run_demo(root, first_gui, port, say=lambda _s: None, persons=4) == 0
    assert seen[0]["rows"] == 4 and "Enrol" in seen[0]["note"]
    assert not _up(seen[0]["server"]), "the server stops when the app exits"
    server_db = (root / "server" / "server.db").stat().st_mtime_ns

    def second_gui(data_dir: Path, **kwargs: Any) -> int:
        assert kwargs == {}, "an enrolled laptop just opens"
        workspace = Workspace.open(data_dir, PASSPHRASE, clock=SystemClock())
        try:
            report = SyncEngine(workspace).sync()  # the same server, found where the laptop remembers it
            assert report.pending_after == 0
        finally:
            workspace.close()
        return 0

    assert run_demo(root, second_gui, port, say=lambda _s: None, persons=4) == 0
    assert (root / "server" / "server.db").stat().st_mtime_ns >= server_db, "the organisation is kept, not rebuilt"


def test_when_the_server_cannot_start_the_app_still_opens_and_says_sync_is_unavailable(tmp_path: Path) -> None:
    root = tmp_path / ".demo-data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        calls: list[dict[str, Any]] = []

        def gui(data_dir: Path, **kwargs: Any) -> int:
            calls.append(kwargs)
            return 0

        said: list[str] = []
        assert run_demo(root, gui, port, say=said.append, persons=4) == 0
    assert "sync is unavailable" in calls[0]["note"] and "Try the demo instead" in calls[0]["note"]
    assert "server" not in calls[0] and any("could not start" in s for s in said)


def test_a_demo_store_from_before_the_server_is_opened_as_it_was(tmp_path: Path) -> None:
    root = tmp_path / ".demo-data"
    Workspace.create(root, PASSPHRASE, kdf=TEST_KDF).close()
    opened: list[Path] = []
    said: list[str] = []
    assert run_demo(root, lambda d, **_k: opened.append(d) or 0, _free_port(), say=said.append) == 0
    assert opened == [root] and not (root / "server").exists() and "delete" in said[0]
