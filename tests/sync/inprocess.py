"""Real client stores syncing with an in-process server holding the demo organisation: enrolment, the sync
engine and the stores are the product's own; only the network is replaced by the test client's transport."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.clock import FixedClock
from app.workspace import Workspace
from sync import engine as engine_mod
from sync.client import SyncClient
from sync.engine import SyncEngine, enrol
from sync.server import demo
from sync.server.admin import Admin
from sync.server.api import create_app
from tests.conftest import NOW, PASSPHRASE, TEST_KDF

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SERVER = "http://testserver"
WORKER = "sam.okafor"  # the demo team's worker, who holds every demo person
LEAD = "priya.natarajan"  # the demo team's lead


@dataclass
class DemoServer:
    admin: Admin
    client: TestClient
    clock: FixedClock

    def factory(self, server: str, token: str | None = None, **_: Any) -> SyncClient:
        return SyncClient(server, token, transport=self.client._transport)

    def laptop(self, username: str, data_dir: Path) -> Workspace:
        """An empty store on a new laptop, enrolled as ``username`` and synced once."""
        workspace = Workspace.create(data_dir, PASSPHRASE, kdf=TEST_KDF, clock=self.clock)
        enrol(workspace, SERVER, self.admin.enrol_code(username), f"{username}'s laptop", None)
        self.sync(workspace)
        return workspace

    def sync(self, workspace: Workspace) -> engine_mod.SyncReport:
        report = SyncEngine(
            workspace, client_factory=lambda state, _ca: self.factory(state.server, state.token), now=self.clock.now
        ).sync()
        workspace.rebuild_projections()
        return report


@pytest.fixture
def demo_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoServer]:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    clock = FixedClock(NOW)
    admin = Admin(url, clock=clock)
    demo.load(admin, persons=4, seed=3, now=NOW)
    server = DemoServer(admin, TestClient(create_app(url, clock=clock)), clock)
    monkeypatch.setattr(engine_mod, "SyncClient", server.factory)  # enrolment's own client, too
    yield server
    server.client.close()
    admin.engine.dispose()
    server.client.app.state.engine.dispose()  # type: ignore[attr-defined]
