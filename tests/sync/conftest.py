"""An in-process sync server over SQLite and over a throwaway PostgreSQL, and device helpers."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    # Starlette nudges towards httpx2, which is not a dependency; the test client works as documented.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from app.clock import FixedClock
from sync.protocol import API_PREFIX, seal
from sync.server.admin import Admin
from sync.server.api import create_app
from sync.server.commands import stamp
from tests.conftest import NOW
from tests.postgres import PgCluster

V1 = API_PREFIX


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@dataclass
class Org:
    admin: Admin
    clock: FixedClock
    client: TestClient
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    persons: dict[str, uuid.UUID] = field(default_factory=dict)

    def device(self, username: str) -> DeviceClient:
        code = self.admin.enrol_code(username)
        answer = self.client.post(f"{V1}/enrol", json={"code": code, "device_name": "laptop", "app_version": "0.1"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return DeviceClient(self, username, uuid.UUID(body["device_id"]), uuid.UUID(body["user_id"]), body["token"],
                            body["server_epoch"], body["command_public_key"])


@dataclass
class DeviceClient:
    """What a device's sync engine does, reduced to the protocol: numbered records out, pages in."""

    org: Org
    username: str
    device_id: uuid.UUID
    user_id: uuid.UUID
    token: str
    epoch: str
    public_key: str
    seq: int = 0
    cursor: str | None = None
    mirror: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def record(self, person: uuid.UUID, record_type: str = "contact_note", payload: dict[str, Any] | None = None,
               refers_to: uuid.UUID | None = None, record_id: uuid.UUID | None = None,
               author: uuid.UUID | None = None) -> dict[str, Any]:
        self.seq += 1
        fields = {
            "record_id": str(record_id or uuid.uuid4()),
            "record_type": record_type,
            "schema_version": 1,
            "person_id": str(person),
            "author_id": str(author or self.user_id),
            "device_id": str(self.device_id),
            "authored_at": stamp(self.org.clock.now()),
            "refers_to": str(refers_to) if refers_to else None,
            "payload": payload if payload is not None else {"narrative": f"note {self.seq}", "outcome": "seen"},
        }
        return seal(fields, self.seq)

    def push(self, *items: dict[str, Any], resync: bool = False, expect: int = 200) -> dict[str, Any]:
        answer = self.org.client.post(f"{V1}/push", headers=self.headers,
                                      json={"server_epoch": self.epoch, "resync": resync, "items": list(items)})
        assert answer.status_code == expect, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def pull(self, limit: int = 500, max_bytes: int = 1024 * 1024, expect: int = 200) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit, "max_bytes": max_bytes}
        if self.cursor:
            params["cursor"] = self.cursor
        answer = self.org.client.get(f"{V1}/pull", headers=self.headers, params=params)
        assert answer.status_code == expect, answer.text
        body = answer.json()
        if expect == 200:
            self.cursor = body["next_cursor"]
        return body  # type: ignore[no-any-return]

    def pull_all(self, limit: int = 500) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull(limit=limit)
            changes.extend(page["changes"])
            for change in page["changes"]:
                if change["entity"] == "record":
                    self.mirror[change["entity_id"]] = change["data"]
            if not page["has_more"]:
                return changes

    def snapshot(self, person: uuid.UUID, expect: int = 200) -> dict[str, Any]:
        answer = self.org.client.get(f"{V1}/persons/{person}/snapshot", headers=self.headers)
        assert answer.status_code == expect, answer.text
        return answer.json()  # type: ignore[no-any-return]


def build_org(db_url: str) -> Org:
    clock = FixedClock(NOW)
    admin = Admin(db_url, clock=clock)
    app = create_app(db_url, clock=clock)
    org = Org(admin, clock, TestClient(app))
    admin.create_organisation("Test organisation")
    admin.create_team("East team", "east", "england")
    admin.create_team("West team", "west", "wales")
    for username, role, team in (
        ("alice", "worker", "east"),
        ("bob", "worker", "east"),
        ("duty", "duty", "east"),
        ("lead.east", "team_lead", "east"),
        ("lead.west", "team_lead", "west"),
        ("carol", "worker", "west"),
        ("admin", "admin", None),
    ):
        org.users[username] = admin.create_user(username, username.title(), role, team)
    import json
    import tempfile

    people = {"pa": "east", "pb": "east", "pw": "west", "pc": "east"}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for name, team in people.items():
            org.persons[name] = uuid.uuid4()
            handle.write(json.dumps({"id": str(org.persons[name]), "team": team,
                                     "details": {"given_name": name.upper(), "nation": "england"}}) + "\n")
    admin.import_persons(Path(handle.name))
    Path(handle.name).unlink()
    # Assignments start an hour ago, so "now" is inside them.
    clock.set(NOW - timedelta(hours=1))
    admin.assign("alice", org.persons["pa"])
    admin.assign("bob", org.persons["pb"])
    admin.assign("carol", org.persons["pw"])
    clock.set(NOW)
    return org


@pytest.fixture
def org(db_url: str) -> Iterator[Org]:
    built = build_org(db_url)
    yield built
    built.client.close()
    built.admin.engine.dispose()
    built.client.app.state.engine.dispose()  # type: ignore[attr-defined]
