"""Fault injection with real processes: the client SIGKILLed at random points during a 1,000-record push
and during a multi-page pull, and the server killed mid-push. Afterwards server and client agree and every
record is there exactly once. CI kills 50 times mid-push and 50 times mid-pull; ``WAYMARK_DEEP=1`` raises
that tenfold. Each sync is a child forked from a warm process (tests/sync/live/sync_zygote.py), so a kill
costs the sync's own work, not an interpreter's start."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.clock import SystemClock
from app.workspace import Workspace
from storage import outbox as outbox_store
from sync.engine import SyncEngine, enrol
from tests.conftest import PASSPHRASE, TEST_KDF
from tests.sync.live.conftest import LiveServer, child_env, enrolled_workspace
from tests.sync.live.helpers import local_records, persons, record_notes

DEEP = 10 if os.environ.get("WAYMARK_DEEP") else 1
PUSH_KILLS = 50 * DEEP
PULL_KILLS = 50 * DEEP
ROOT = Path(__file__).resolve().parents[3]


def _child(data_dir: Path, batch: int, limit: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.sync.live.sync_child", str(data_dir), str(batch), str(limit)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )


class Zygote:
    """The warm process that forks one sync per request (see sync_zygote.py)."""

    def __init__(self, log: Path) -> None:
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.sync.live.sync_zygote"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=child_env(),
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the sync zygote died"
        return line.strip()

    def start(self, data_dir: Path, batch: int, limit: int) -> int | None:
        """Fork a sync; its pid once its store is open (None if it ended before that)."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"sync {data_dir} {batch} {limit}\n")
        self.process.stdin.flush()
        verb, pid, *rest = self._line().split()
        if verb == "exit":
            self._exit_code = int(rest[0])
            return None
        self._exit_code = None
        return int(pid)

    def wait(self) -> int:
        """The exit code of the sync started last (minus the signal that ended it)."""
        if self._exit_code is not None:
            return self._exit_code
        verb, _pid, code = self._line().split()
        assert verb == "exit"
        return int(code)

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()
        self._log.close()


def _kill_after_open(zygote: Zygote, data_dir: Path, batch: int, limit: int, delay: float) -> bool:
    """SIGKILL a sync ``delay`` seconds after its store opened; False if it had already finished."""
    pid = zygote.start(data_dir, batch, limit)
    if pid is not None:
        time.sleep(delay)  # a random point in the sync: where it lands is what is being sampled
        with contextlib.suppress(ProcessLookupError):  # it had finished and been reaped
            os.kill(pid, signal.SIGKILL)
    return zygote.wait() == -signal.SIGKILL


def _finish(data_dir: Path, batch: int = 50, limit: int = 500) -> None:
    child = _child(data_dir, batch, limit)
    _out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err


def _assert_agree(server: LiveServer, data_dir: Path) -> None:
    workspace = Workspace.open(data_dir, PASSPHRASE, clock=SystemClock())
    try:
        assert workspace.outbox_pending() == 0
        on_server = {rid: h for rid, (h, _, _) in server.records(area="eastmoor").items()}
        mine = local_records(workspace)
        assert mine == {rid: on_server[rid] for rid in mine}
        assert set(mine) == set(on_server)
        with workspace.uow.read() as session:
            sent = {i.record_id for i in outbox_store.pending(session)} | set()
        assert not sent
    finally:
        workspace.close()


def test_client_killed_during_a_1000_record_push_and_restarted(live_server: LiveServer, tmp_path: Path) -> None:
    data = tmp_path / "laptop"
    workspace = enrolled_workspace(live_server, data)
    before = live_server.record_count()
    people = persons(workspace)
    for i in range(1000):
        record_notes(workspace, people[i % len(people)], 1)
    pending = workspace.outbox_pending()
    workspace.close()
    rng = random.Random(13)
    kills = 0
    zygote = Zygote(tmp_path / "zygote.log")
    try:
        while kills < PUSH_KILLS:
            kills += _kill_after_open(zygote, data, 2, 500, rng.uniform(0.0, 0.12 / DEEP))
            if live_server.record_count() - before >= pending:
                break  # everything is across: further kills would no longer be mid-push
    finally:
        zygote.close()
    assert kills >= PUSH_KILLS, "the push finished before the kills could test it"
    _finish(data)
    assert live_server.record_count() - before == pending
    _assert_agree(live_server, data)


def test_client_killed_during_a_multi_page_pull_and_restarted(live_server: LiveServer, tmp_path: Path) -> None:
    source = enrolled_workspace(live_server, tmp_path / "source")
    people = persons(source)
    for i in range(600):
        record_notes(source, people[i % len(people)], 1)
    SyncEngine(source).sync()
    source.close()

    data = tmp_path / "second"
    second = Workspace.create(data, PASSPHRASE, kdf=TEST_KDF, clock=SystemClock())
    enrol(second, live_server.url, live_server.code(), "second laptop", None)
    second.close()
    rng = random.Random(17)
    kills = 0
    zygote = Zygote(tmp_path / "zygote.log")
    try:
        while kills < PULL_KILLS:
            if not _kill_after_open(zygote, data, 50, 10, rng.uniform(0.0, 0.15 / DEEP)):
                break
            kills += 1
    finally:
        zygote.close()
    assert kills >= PULL_KILLS, "the pull finished before the kills could test it"
    _finish(data)
    _assert_agree(live_server, data)


def test_server_killed_and_restarted_mid_push(live_server: LiveServer, tmp_path: Path) -> None:
    data = tmp_path / "laptop"
    workspace = enrolled_workspace(live_server, data)
    before = live_server.record_count()
    people = persons(workspace)
    for i in range(300):
        record_notes(workspace, people[i % len(people)], 1)
    pending = workspace.outbox_pending()
    workspace.close()

    child = _child(data, 5, 500)
    assert child.stdout is not None
    child.stdout.readline()
    while live_server.record_count() - before < 20:
        time.sleep(0.02)
    live_server.kill()
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 1 and ("cannot be reached" in err or "broke off" in err)
    assert 0 < live_server.record_count() - before < pending
    live_server.start()
    _finish(data)
    assert live_server.record_count() - before == pending
    _assert_agree(live_server, data)
