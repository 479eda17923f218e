"""Benchmark: the sync server's push and pull against the database's own floor, on SQLite and PostgreSQL.

For each backend, in one run and one database: push N records through the API (batches of 500) beside
the same number of rows inserted straight into the record table with one Core INSERT per batch, each
batch its own transaction as a push is (the floor), and pull N changes through the API (pages of 1,000)
beside the same pages read with one SELECT each; API and floor alternate batch by batch so that both
run under the same machine load. Prints records/s and the ratio (target ≥ 25 % of the floor). Then a
no-op pull (target ≤ 100 ms), and 50 concurrent devices against a real server process on PostgreSQL:
throughput, p50/p99 latency, errors (must be 0).

    python tests/bench/sync_server.py [--records N] [--devices N]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx
from sqlalchemy import Text, cast, insert, select

from sync.protocol import API_PREFIX, seal
from sync.server import keys
from sync.server.admin import Admin
from sync.server.commands import stamp
from sync.server.models import Change, Organisation, Record
from tests import postgres
from tests.postgres import PgCluster, _free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from tests.sync.conftest import build_org, close

V1 = API_PREFIX
BATCH = 500


def envelope(person: uuid.UUID, user: str, device: str, seq: int) -> dict[str, Any]:
    return seal(
        {
            "record_id": str(uuid.uuid4()),
            "record_type": "contact_note",
            "schema_version": 1,
            "person_id": str(person),
            "author_id": user,
            "device_id": device,
            "authored_at": stamp(datetime.now(UTC)),
            "refers_to": None,
            "payload": {"narrative": "Visited at home; talked through the plan's steps 2 and 4.", "seq": seq},
        },
        seq,
    )


def push_and_pull(url: str, records: int) -> dict[str, float]:
    org = build_org(url)
    try:
        # One event loop for the whole run, as a server process has. Outside its context Starlette's TestClient
        # starts an event loop on a new thread for every request (5 ms here, a tenth of a 500-record push): a
        # cost of the in-process harness that no server pays.
        with org.client:
            return _push_and_pull(org, records)
    finally:
        close(org)


def _push_and_pull(org: Any, records: int) -> dict[str, float]:
    alice = org.device("alice")
    items = [
        alice.record(org.persons["pa"], payload={"narrative": "Visited at home; talked through steps 2 and 4.", "n": i})
        for i in range(records)
    ]
    with org.admin.transaction() as session:
        org_id = session.scalars(select(Organisation.id)).one()
    now = datetime.now(UTC)
    floor_rows = [
        {
            "record_id": uuid.uuid4(),
            "organisation_id": org_id,
            "record_type": "contact_note",
            "schema_version": 1,
            "person_id": org.persons["pb"],
            "author_id": alice.user_id,
            "device_id": alice.device_id,
            "authored_at": item["authored_at"],
            "refers_to": None,
            "payload": item["payload"],
            "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
            "received_at": now,
            "received_from": alice.device_id,
            "server_seq": 10**9 + i,
            "flags": [],
        }
        for i, item in enumerate(items)
    ]
    # A server process freezes what it holds at start (sync/server/asgi.py), so its collections scan only what
    # requests make. Here client and server share one process: the records prepared above for both sides are the
    # benchmark's, not the server's, and are frozen likewise, or every collection the server makes would scan
    # 20,000 dicts no server holds. Both sides run with the same heap.
    gc.collect()
    gc.freeze()
    # API batch and floor batch alternate, each its own transaction as a push is: on a shared machine whose
    # load swings from one minute to the next, both sides then run under the same load.
    push_s = floor_push_s = 0.0
    for offset in range(0, records, BATCH):
        start = time.perf_counter()
        answer = alice.push(*items[offset : offset + BATCH])
        push_s += time.perf_counter() - start
        assert all(r["status"] == "accepted" for r in answer["results"])
        start = time.perf_counter()
        with org.admin.transaction() as session:
            session.execute(insert(Record.__table__), floor_rows[offset : offset + BATCH])
        floor_push_s += time.perf_counter() - start

    reader = org.device("alice")
    # The floor reads what the API reads for a page: each change with its record, in seq order.
    floor_page = (
        # The payload as the text stored, not decoded: the API sends it so, and the floor is the cheapest read.
        select(Change.seq, Change.entity_id, cast(Record.payload, Text), Record.sha256, Record.authored_at)
        .join(Record, Record.record_id == Change.entity_id)
        .order_by(Change.seq)
    )
    pull_s = floor_pull_s = 0.0
    pulled = 0
    after = 0
    while True:
        start = time.perf_counter()
        page = reader.pull(limit=1000)
        pull_s += time.perf_counter() - start
        pulled += len(page["changes"])
        start = time.perf_counter()
        with org.admin.transaction() as session:
            rows = session.execute(floor_page.where(Change.seq > after).limit(1000)).all()
        floor_pull_s += time.perf_counter() - start
        after = rows[-1].seq if rows else after
        if not page["has_more"]:
            break
    assert pulled == records, pulled

    noop = []
    for _ in range(20):
        start = time.perf_counter()
        page = reader.pull()
        noop.append(time.perf_counter() - start)
        assert page["changes"] == []
    return {
        "push": records / push_s,
        "push_floor": records / floor_push_s,
        "pull": records / pull_s,
        "pull_floor": records / floor_pull_s,
        "noop_ms": statistics.median(noop) * 1000,
    }


def concurrent_devices(cluster: PgCluster, devices: int, batches: int) -> dict[str, float]:
    url = cluster.new_database()
    org = build_org(url)
    person = org.persons["pa"]
    close(org)
    with Admin(url) as admin:  # the system clock, as the server process has
        admin.assign("alice", person)
        codes = [admin.enrol_code("alice") for _ in range(devices)]
    port = _free_port()
    log = Path(tempfile.mkstemp(suffix=".log")[1])
    with log.open("wb") as handle:
        server = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "serve", "--db", url, "--port", str(port), "--workers", "2"],
            stdout=subprocess.DEVNULL,
            stderr=handle,
        )
    base = f"http://127.0.0.1:{port}{V1}"
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine starts slowly
        while True:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.2)
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def timed(call: Any, *args: Any, **kwargs: Any) -> httpx.Response:
            start = time.perf_counter()
            answer = call(*args, **kwargs)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if answer.status_code != 200:
                    errors.append(f"{answer.status_code} {answer.text[:100]}")
            return answer  # type: ignore[no-any-return]

        def device(code: str) -> None:
            try:
                with httpx.Client(timeout=60) as client:
                    enrolled = client.post(f"{base}/enrol", json={"code": code, "device_name": "b", "app_version": "0"})
                    body = enrolled.json()
                    headers = {"Authorization": f"Bearer {body['token']}"}
                    cursor = None
                    for batch in range(batches):
                        items = [
                            envelope(person, body["user_id"], body["device_id"], batch * 10 + i + 1) for i in range(10)
                        ]
                        timed(
                            client.post,
                            f"{base}/push",
                            headers=headers,
                            json={"server_epoch": None, "resync": False, "items": items},
                        )
                        page = timed(
                            client.get, f"{base}/pull", headers=headers, params={"cursor": cursor} if cursor else {}
                        )
                        if page.status_code == 200:
                            cursor = page.json()["next_cursor"]
            except Exception as exc:
                with lock:
                    errors.append(repr(exc))

        threads = [threading.Thread(target=device, args=(code,)) for code in codes]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.unlink()
    latencies.sort()
    if not latencies:
        raise RuntimeError(f"no request completed: {errors[:3]}")
    return {
        "requests": len(latencies),
        "per_s": len(latencies) / wall,
        "records_per_s": devices * batches * 10 / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": len(errors),
    }


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name}: push {figures['push']:.0f} records/s (floor {figures['push_floor']:.0f}/s, "
        f"{100 * figures['push'] / figures['push_floor']:.1f} % of floor); "
        f"pull {figures['pull']:.0f} changes/s (floor {figures['pull_floor']:.0f}/s, "
        f"{100 * figures['pull'] / figures['pull_floor']:.1f} % of floor); no-op pull {figures['noop_ms']:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, postgres.cluster(durable=True) as cluster:
        # One keys file for every database of the run, the server process included (README, Server keys).
        os.environ[keys.FILE_ENV] = f"{folder}/server.keys"
        report("SQLite", push_and_pull(f"sqlite:///{folder}/bench.db", args.records))
        report("PostgreSQL", push_and_pull(cluster.new_database(), args.records))
        figures = concurrent_devices(cluster, args.devices, args.batches)
        print(
            f"PostgreSQL, {args.devices} concurrent devices (push 10 + pull, x{args.batches}, 2 server workers): "
            f"{figures['requests']:.0f} requests, {figures['per_s']:.0f} requests/s, "
            f"{figures['records_per_s']:.0f} records/s, p50 {figures['p50_ms']:.0f} ms, "
            f"p99 {figures['p99_ms']:.0f} ms, errors {figures['errors']:.0f}"
        )


if __name__ == "__main__":
    main()
