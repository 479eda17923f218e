"""An in-process sync server over SQLite and over a throwaway PostgreSQL, and device helpers."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

with warnings.catch_warnings():
    # Starlette nudges towards httpx2, which is not a dependency; the test client works as documented.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from app.clock import FixedClock
from sync.protocol import API_PREFIX, seal
from sync.server import keys
from sync.server.admin import Admin
from sync.server.api import create_app
from sync.server.commands import stamp
from sync.server.models import Person
from tests.conftest import NOW
from tests.postgres import PgCluster

V1 = API_PREFIX


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def server_keys_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One keys file for every server database of the run (template copies included), as for one deployment;
    server processes the tests start inherit it."""
    path = tmp_path_factory.mktemp("server-keys") / "server.keys"
    before = os.environ.get(keys.FILE_ENV)
    os.environ[keys.FILE_ENV] = str(path)
    yield path
    if before is None:
        del os.environ[keys.FILE_ENV]
    else:
        os.environ[keys.FILE_ENV] = before


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty server database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@dataclass(frozen=True)
class Template:
    url: str
    users: dict[str, uuid.UUID]
    persons: dict[str, uuid.UUID]


@pytest.fixture(scope="session")
def org_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    return {}


def _template(backend: str, request: pytest.FixtureRequest, templates: dict[str, Template]) -> Template:
    # Migrating and building the organisation once per backend, then copying it, keeps each test cheap.
    if backend not in templates:
        if backend == "sqlite":
            url = f"sqlite:///{request.getfixturevalue('tmp_path_factory').mktemp('tpl') / 'server.db'}"
        else:
            url = request.getfixturevalue("pg_cluster").new_database()
        built = build_org(url)
        templates[backend] = Template(url, dict(built.users), dict(built.persons))
        close(built)
    return templates[backend]


def _copy(backend: str, template: Template, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        target = tmp_path / "server.db"
        shutil.copyfile(template.url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = f"c{uuid.uuid4().hex[:12]}"
    source = template.url.rsplit("/", 1)[1]
    engine = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    engine.dispose()
    return cluster.url(name)


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
        return DeviceClient(
            self,
            username,
            uuid.UUID(body["device_id"]),
            uuid.UUID(body["user_id"]),
            body["token"],
            body["server_epoch"],
            body["command_public_key"],
        )


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

    def record(
        self,
        person: uuid.UUID,
        record_type: str = "contact_note",
        payload: dict[str, Any] | None = None,
        refers_to: uuid.UUID | None = None,
        record_id: uuid.UUID | None = None,
        author: uuid.UUID | None = None,
    ) -> dict[str, Any]:
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
        answer = self.org.client.post(
            f"{V1}/push",
            headers=self.headers,
            json={"server_epoch": self.epoch, "resync": resync, "items": list(items)},
        )
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


# Valid NHS numbers (check digit included) for the test persons pa, pb, pw, pc, in that order.
NHS_NUMBERS = ("9434765919", "4010232137", "4857773457", "9990001111")


def nhs_number_of(org: Org, person: uuid.UUID) -> str:
    with org.admin.transaction() as session:
        found = session.get(Person, person)
        assert found is not None
        return str(found.details["nhs_number"])


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
    people = {"pa": "east", "pb": "east", "pw": "west", "pc": "east"}
    nhs_numbers = dict(zip(people, NHS_NUMBERS, strict=True))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for name, team in people.items():
            org.persons[name] = uuid.uuid4()
            handle.write(
                json.dumps(
                    {
                        "id": str(org.persons[name]),
                        "team": team,
                        "details": {"given_name": name.upper(), "nation": "england", "nhs_number": nhs_numbers[name]},
                    }
                )
                + "\n"
            )
    admin.import_persons(Path(handle.name))
    Path(handle.name).unlink()
    # Assignments start an hour ago, so "now" is inside them.
    clock.set(NOW - timedelta(hours=1))
    admin.assign("alice", org.persons["pa"])
    admin.assign("bob", org.persons["pb"])
    admin.assign("carol", org.persons["pw"])
    clock.set(NOW)
    return org


def close(org: Org) -> None:
    org.client.close()
    org.admin.engine.dispose()
    org.client.app.state.engine.dispose()  # type: ignore[attr-defined]


def open_org(url: str, template: Template) -> Org:
    clock = FixedClock(NOW)
    return Org(
        Admin(url, clock=clock),
        clock,
        TestClient(create_app(url, clock=clock)),
        dict(template.users),
        dict(template.persons),
    )


@pytest.fixture(params=BACKENDS)
def org(request: pytest.FixtureRequest, tmp_path: Path, org_templates: dict[str, Template]) -> Iterator[Org]:
    """The test organisation (two teams, their staff, four persons), fresh for each test."""
    template = _template(request.param, request, org_templates)
    opened = open_org(_copy(request.param, template, request, tmp_path), template)
    yield opened
    close(opened)
