"""``make run``'s script (ui/demo_run.py), without the GUI loop: it starts a real waymark-server on loopback
with the demo organisation, hands the app the address and a fresh code so the demo worker's laptop enrols
and syncs, reuses both on the next run, and stops the server when the app exits; with no server, the app
still opens and says sync is unavailable."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from app.clock import SystemClock
from app.workspace import Workspace
from sync.engine import SyncEngine
from sync.enrolment import enrol_new_store
from sync.server import keys
from tests.conftest import PASSPHRASE, TEST_KDF
from ui.demo_run import run_demo, start_demo_server


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


def _readme_demo_commands() -> list[str]:
    """The README's admin commands for the demo server, exactly as written (a new user's finding: they failed
    with "server keys are missing" on a fresh ``make run``)."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text.split("## The demo: a second worker", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    [db] = [line for line in block.splitlines() if line.startswith("DB=")]
    commands = [line.split("  #")[0].strip() for line in block.splitlines() if "waymark-server admin" in line]
    inline = [" ".join(c.split()) for c in re.findall(r"`(\.venv/bin/waymark-server admin [^`]*)`", section)]
    listing = [" ".join(c.split()) for c in re.findall(r"`(waymark-server admin users [^`]*)`", section)]
    assert len(commands) == 2 and len(inline) == 1 and len(listing) == 1, "the README's demo commands changed"
    return [f"{db} && {c}" for c in (*listing, *inline, *commands)]


def test_the_readmes_admin_commands_work_as_written_against_make_runs_server(tmp_path: Path) -> None:
    root = tmp_path / ".demo-data"
    server = start_demo_server(root / "server", _free_port(), persons=4)
    try:
        assert server.problem is None, server.problem
        env = {k: v for k, v in os.environ.items() if k != keys.FILE_ENV}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # the bare waymark-server
        # Run from the folder holding .demo-data, as the README's relative paths mean; .venv/bin is this one.
        (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
        for command in _readme_demo_commands():
            done = subprocess.run(
                ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, f"{command}\n{done.stderr}"
            assert done.stdout.strip(), command
    finally:
        server.stop()


def test_a_demo_folder_from_before_keeps_its_keys_under_the_name_the_admin_commands_use(tmp_path: Path) -> None:
    root = tmp_path / "server"
    first = start_demo_server(root, _free_port(), persons=2)
    first.stop()
    assert first.problem is None and first.keys_file == root / "server.db.keys"
    made = first.keys_file.read_bytes()
    os.replace(first.keys_file, root / "server.keys")  # where the demo kept them before
    again = start_demo_server(root, _free_port(), persons=2)
    try:
        assert again.problem is None, again.problem
        assert again.keys_file.read_bytes() == made and not (root / "server.keys").exists()
        assert again.enrol_code("priya.natarajan")
    finally:
        again.stop()
