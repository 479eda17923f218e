"""No answer tells a device whether a person id exists: an unknown person and someone else's person are
refused with the same status and body, after the same database work (so in about the same time)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from sync.server.api import engine_of
from sync.server.models import AuditEvent
from tests.sync.conftest import V1, DeviceClient, Org


@contextmanager
def _statements(org: Org) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = engine_of(org.client.app)  # type: ignore[arg-type]

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _both(org: Org, call: Callable[[uuid.UUID], Any]) -> tuple[tuple[Any, list[str]], tuple[Any, list[str]]]:
    call(org.persons["pb"])  # warm up: first-use lookups must not count against either side
    with _statements(org) as for_unknown:
        unknown = call(uuid.uuid4())
    with _statements(org) as for_other:
        other = call(org.persons["pw"])  # exists, in another team, never held by the caller
    return (unknown, for_unknown), (other, for_other)


def _without_ids(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("seq", "record_id", "quarantine_id")}


def test_a_snapshot_of_an_unknown_person_looks_like_one_of_someone_elses(org: Org) -> None:
    alice = org.device("alice")

    def snapshot(person: uuid.UUID) -> tuple[int, bytes]:
        answer = org.client.get(f"{V1}/persons/{person}/snapshot", headers=alice.headers)
        return answer.status_code, answer.content

    (unknown, unknown_sql), (other, other_sql) = _both(org, snapshot)
    assert unknown == other and unknown[0] == 404
    assert unknown_sql == other_sql


def test_a_push_for_an_unknown_person_looks_like_one_for_someone_elses(org: Org) -> None:
    # A worker writing a team lead's record type is refused for its type before anyone asks whose person it is.
    for username, record_type in (
        ("alice", "contact_note"),
        ("alice", "record_review"),
        ("lead.east", "contact_note"),
        ("admin", "contact_note"),
    ):
        device = org.device(username)

        def push(
            person: uuid.UUID, device: DeviceClient = device, record_type: str = record_type
        ) -> tuple[int, dict[str, Any]]:
            answer = org.client.post(
                f"{V1}/push",
                headers=device.headers,
                json={"server_epoch": None, "resync": False, "items": [device.record(person, record_type)]},
            )
            return answer.status_code, _without_ids(answer.json()["results"][0])

        (unknown, unknown_sql), (other, other_sql) = _both(org, push)
        assert unknown == other and unknown[1]["status"] == "rejected", (username, record_type)
        assert unknown_sql == other_sql, (username, record_type)
    with org.admin.transaction() as session:
        # The audit log, which no device reads, still tells the team lead which it was.
        outcomes = set(session.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "security.write_refused")))
        assert {"unknown_person", "not_authorised_for_person", "role_may_not_write"} <= outcomes
