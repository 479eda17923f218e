"""The request body limit holds while the body streams in: a chunked body has no length to check up front."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import func, select

from sync.protocol import MAX_BODY_BYTES
from sync.server.models import Record
from tests.sync.conftest import V1, Org


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for offset in range(0, len(body), size):
        yield body[offset : offset + size]


def test_a_chunked_body_over_the_limit_is_413_and_stores_nothing(org: Org) -> None:
    alice = org.device("alice")
    record = alice.record(org.persons["pa"], payload={"narrative": "x" * 60_000})
    items = [record] * (MAX_BODY_BYTES // 60_000 + 2)
    body = json.dumps({"server_epoch": None, "resync": False, "items": items}).encode()
    assert len(body) > MAX_BODY_BYTES
    answer = org.client.post(
        f"{V1}/push",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=_chunks(body),
    )
    assert "content-length" not in {k.lower() for k in answer.request.headers}
    assert (answer.status_code, answer.json()["reason"]) == (413, "body_too_large")
    with org.admin.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 0


def test_a_chunked_body_under_the_limit_is_read_whole(org: Org) -> None:
    alice = org.device("alice")
    body = json.dumps({"server_epoch": None, "resync": False, "items": [alice.record(org.persons["pa"])]}).encode()
    answer = org.client.post(
        f"{V1}/push",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=_chunks(body, 100),
    )
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "accepted"
