"""A real ``waymark-server`` process on loopback, and enrolled client stores beside it.

The server is a separate process (demo organisation, SQLite file) so it can be killed and restarted like
a real one; each test gets its own copy of a prebuilt demo database.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.clock import SystemClock
from app.workspace import Workspace
from sync.engine import SyncEngine, enrol
from sync.server.models import Person, Record, Team
from tests.conftest import PASSPHRASE, TEST_KDF

BIN = Path(sys.executable).parent
SERVER = str(BIN / "waymark-server")
WORKER = "sam.okafor"
LEAD = "priya.natarajan"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    db_file: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def db(self) -> str:
        return f"sqlite:///{self.db_file}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [SERVER, "serve", "--db", self.db, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("waymark-server exited at start")
            time.sleep(0.1)
        raise RuntimeError("waymark-server did not start in 30 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def admin(self, *args: str) -> str:
        done = subprocess.run([SERVER, "admin", *args, "--db", self.db], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def code(self, user: str = WORKER) -> str:
        return self.admin("enrol-code", "--user", user)

    def records(self, *, planned: bool = False, area: str | None = None) -> dict[uuid.UUID, tuple[str, uuid.UUID, int]]:
        """Every record on the server: id -> (sha256, device, server_seq); only the planned contacts and
        their changes when asked; only those of the persons of the team for ``area`` when given (the demo
        holds a second team, Westdale, whose records an Eastmoor worker never receives)."""
        engine = create_engine(self.db)
        try:
            with Session(engine) as session:
                query = select(Record.record_id, Record.sha256, Record.device_id, Record.server_seq)
                kinds = ("planned_contact", "planned_contact_change")
                if planned:
                    query = query.where(Record.record_type.in_(kinds))
                if area is not None:
                    team = select(Team.id).where(Team.area == area)
                    query = query.where(Record.person_id.in_(select(Person.id).where(Person.team_id.in_(team))))
                return {r[0]: (r[1], r[2], r[3]) for r in session.execute(query)}
        finally:
            engine.dispose()

    def record_count(self) -> int:
        engine = create_engine(self.db)
        try:
            with engine.connect() as conn:
                return int(conn.exec_driver_sql("SELECT count(*) FROM record").scalar_one())
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def server_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("live-server") / "template.db"
    subprocess.run(
        [SERVER, "demo", "--db", f"sqlite:///{path}", "--persons", "4"], check=True, capture_output=True, text=True
    )
    return path


@pytest.fixture
def live_server(server_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    db_file = tmp_path / "server.db"
    shutil.copyfile(server_template, db_file)
    server = LiveServer(db_file)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def enrolled_workspace(server: LiveServer, data_dir: Path, user: str = WORKER) -> Workspace:
    """A new store enrolled against ``server`` (with the fast test KDF), after its first sync."""
    workspace = Workspace.create(data_dir, PASSPHRASE, kdf=TEST_KDF, clock=SystemClock())
    enrol(workspace, server.url, server.code(user), "test laptop", None)
    SyncEngine(workspace).sync()
    return workspace


def child_env() -> dict[str, str]:
    return {**os.environ, "WAYMARK_PASSPHRASE": PASSPHRASE}
