"""Scenario 15 on PostgreSQL: out-of-order commits never make a puller skip a change.

Twenty writers push at once, some holding their transactions open, while five pullers page the feed.
The union of what the pullers saw must equal what was committed. The same workload over a naive
BIGSERIAL cursor is the control: it must lose rows, or this test proves nothing.
Also: two real server processes on one database behave as one server.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from sync.protocol import PushRequest, seal
from sync.server import pull, push
from sync.server.admin import Admin
from sync.server.commands import stamp
from sync.server.models import Device, User
from tests.postgres import PgCluster, _free_port
from tests.sync.conftest import V1, Template, _copy, _template, close, open_org

WRITERS = 20
PULLERS = 5
BATCHES = int(os.environ.get("WAYMARK_DEEP", "1")) * 6


@pytest.fixture
def pg_org(request: pytest.FixtureRequest, tmp_path: Path, org_templates: dict[str, Template]) -> Iterator:
    template = _template("postgresql", request, org_templates)
    opened = open_org(_copy("postgresql", template, request, tmp_path), template)
    yield opened
    close(opened)


def test_scenario_15_concurrent_writers_never_make_a_puller_skip(pg_org) -> None:
    org = pg_org
    writers = [org.device("alice") for _ in range(WRITERS)]
    readers = [org.device("lead.east") for _ in range(PULLERS)]
    sessions = sessionmaker(org.admin.engine, expire_on_commit=False)
    with sessions() as session:
        alice = session.get(User, org.users["alice"])
        lead = session.get(User, org.users["lead.east"])
    committed: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def write(index: int) -> None:
        rng = random.Random(index)
        device_client = writers[index]
        try:
            for _ in range(BATCHES):
                items = [device_client.record(org.persons["pa"]) for _ in range(3)]
                request = PushRequest.model_validate(
                    {"server_epoch": None, "resync": False, "items": items}, strict=False
                )
                with sessions.begin() as session:
                    device = session.get(Device, device_client.device_id)
                    push.push(session, alice, device, request, device_client.epoch, org.clock.now())
                    # Hold the transaction open after writing: a late commit is what trips naive cursors.
                    time.sleep(0.2 if index == 0 else rng.random() * 0.02)
                with lock:
                    committed.update(item["record_id"] for item in items)
        except BaseException as exc:
            errors.append(exc)

    seen: list[set[str]] = [set() for _ in range(PULLERS)]

    def read(index: int) -> None:
        after = 0
        try:
            while True:
                finished = done.is_set()
                with sessions.begin() as session:
                    changes, after, _more, _top, _scope = pull.pull(
                        session, lead, readers[index].device_id, after, 20, 1 << 20, org.clock.now()
                    )
                seen[index].update(c["entity_id"] for c in changes if c["entity"] == "record")
                if finished and not _more:
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    pullers = [threading.Thread(target=read, args=(i,)) for i in range(PULLERS)]
    for thread in (*pullers, *threads):
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in pullers:
        thread.join()
    assert not errors, errors
    assert len(committed) == WRITERS * BATCHES * 3
    for index in range(PULLERS):
        assert seen[index] == committed, f"puller {index} missed {len(committed - seen[index])}"


def test_control_a_naive_bigserial_cursor_skips_late_commits(pg_org) -> None:
    """The negative control: the same shape of workload loses rows under an auto-increment cursor."""
    engine = create_engine(org_url(pg_org), isolation_level="READ COMMITTED")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE naive_change (id BIGSERIAL PRIMARY KEY, tag TEXT NOT NULL)"))
    committed: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()

    def write(index: int) -> None:
        rng = random.Random(index)
        for batch in range(BATCHES):
            tag = f"{index}-{batch}"
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO naive_change (tag) VALUES (:t)"), {"t": tag})
                time.sleep(0.2 if index == 0 else rng.random() * 0.02)
            with lock:
                committed.add(tag)

    seen: set[str] = set()

    def read() -> None:
        after = 0
        while True:
            finished = done.is_set()
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT id, tag FROM naive_change WHERE id > :a ORDER BY id LIMIT 20"), {"a": after}
                ).all()
            for row_id, tag in rows:
                seen.add(tag)
                after = row_id
            if finished and not rows:
                return

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    engine.dispose()
    assert len(committed) == WRITERS * BATCHES
    assert committed - seen, "the naive cursor skipped nothing: the workload is not adversarial enough"


def org_url(org) -> str:
    return org.admin.engine.url.render_as_string(hide_password=False)


def _serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "serve", "--db", url, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=handle,
        )


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}{V1}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def test_two_server_processes_on_one_database_are_one_server(pg_cluster: PgCluster, tmp_path: Path) -> None:
    url = pg_cluster.new_database()
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    # Both start on an empty database at once: the migration must run once, not race.
    servers = [_serve(url, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, server, log in zip(ports, servers, logs, strict=True):
            _wait_ready(port, server, log)
        admin = Admin(url)
        admin.create_organisation("Two-process organisation")
        admin.create_team("East", "east", "england")
        admin.create_user("alice", "Alice", "worker", "east")
        person = uuid.uuid4()
        path = Path(pg_cluster.root) / f"persons-{person}.jsonl"
        path.write_text(f'{{"id": "{person}", "team": "east", "details": {{}}}}\n')
        admin.import_persons(path)
        admin.assign("alice", person)
        enrolled = httpx.post(
            f"http://127.0.0.1:{ports[0]}{V1}/enrol",
            json={"code": admin.enrol_code("alice"), "device_name": "l", "app_version": "0.1"},
        )
        token = enrolled.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}

        def record(seq: int) -> dict:
            return seal(
                {
                    "record_id": str(uuid.uuid4()),
                    "record_type": "contact_note",
                    "schema_version": 1,
                    "person_id": str(person),
                    "author_id": enrolled.json()["user_id"],
                    "device_id": enrolled.json()["device_id"],
                    "authored_at": stamp(datetime.now(UTC)),
                    "refers_to": None,
                    "payload": {"n": seq},
                },
                seq,
            )

        sent = []
        first = record(1)
        for seq in range(1, 9):
            item = first if seq == 1 else record(seq)
            sent.append(item["record_id"])
            answer = httpx.post(
                f"http://127.0.0.1:{ports[seq % 2]}{V1}/push",
                headers=headers,
                json={"server_epoch": None, "resync": False, "items": [item]},
            )
            assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "accepted", answer.text
        # A replay through the other process is a duplicate: one ledger, one server.
        replay = httpx.post(
            f"http://127.0.0.1:{ports[0]}{V1}/push",
            headers=headers,
            json={"server_epoch": None, "resync": False, "items": [first]},
        )
        assert replay.json()["results"][0]["status"] == "duplicate"
        pulled = httpx.get(f"http://127.0.0.1:{ports[1]}{V1}/pull", headers=headers).json()
        assert [c["entity_id"] for c in pulled["changes"]] == sent
        cursor = pulled["next_cursor"]
        again = httpx.get(f"http://127.0.0.1:{ports[0]}{V1}/pull", headers=headers, params={"cursor": cursor})
        assert again.status_code == 200 and again.json()["changes"] == []
        admin.engine.dispose()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
