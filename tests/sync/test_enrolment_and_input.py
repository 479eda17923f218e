"""Enrolment codes and tokens, and bad input: always a precise 4xx with a reason, nothing stored."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from sync.protocol import MAX_BODY_BYTES
from sync.server.models import Device, Record
from tests.sync.conftest import V1, Org

ENROL = {"device_name": "laptop", "app_version": "0.1"}


def test_a_code_enrols_one_device_once(org: Org) -> None:
    code = org.admin.enrol_code("alice")
    first = org.client.post(f"{V1}/enrol", json={"code": code, **ENROL})
    assert first.status_code == 200 and first.json()["role"] == "worker"
    again = org.client.post(f"{V1}/enrol", json={"code": code, **ENROL})
    assert (again.status_code, again.json()["reason"]) == (403, "code_invalid")


def test_codes_are_forgiving_of_case_and_dashes(org: Org) -> None:
    code = org.admin.enrol_code("alice")
    answer = org.client.post(f"{V1}/enrol", json={"code": code.lower().replace("-", " "), **ENROL})
    assert answer.status_code == 200


def test_an_expired_code_is_refused(org: Org) -> None:
    code = org.admin.enrol_code("alice", timedelta(hours=1))
    org.clock.set(org.clock.now() + timedelta(hours=2))
    answer = org.client.post(f"{V1}/enrol", json={"code": code, **ENROL})
    assert (answer.status_code, answer.json()["reason"]) == (403, "code_invalid")


def test_guessing_is_slowed_down(org: Org) -> None:
    for _ in range(10):
        assert org.client.post(f"{V1}/enrol", json={"code": "AAAA-BBBB-CCCC-DDDD", **ENROL}).status_code == 403
    good = org.admin.enrol_code("alice")
    answer = org.client.post(f"{V1}/enrol", json={"code": good, **ENROL})
    assert (answer.status_code, answer.json()["reason"]) == (429, "too_many_attempts")
    org.clock.set(org.clock.now() + timedelta(minutes=16))
    assert org.client.post(f"{V1}/enrol", json={"code": good, **ENROL}).status_code == 200


def test_the_token_is_stored_only_hashed(org: Org) -> None:
    alice = org.device("alice")
    with org.admin.transaction() as session:
        dump = json.dumps([str(list(row)) for row in session.execute(text("SELECT * FROM device"))])
        assert session.scalar(select(func.count()).select_from(Device)) == 1
    assert alice.token not in dump


def _post(org: Org, token: str, body: bytes | str, content_type: str = "application/json") -> tuple[int, str]:
    answer = org.client.post(
        f"{V1}/push", content=body, headers={"Authorization": f"Bearer {token}", "Content-Type": content_type}
    )
    return answer.status_code, answer.json()["reason"]


@pytest.mark.parametrize(
    ("mutate", "status", "reason"),
    [
        (lambda b: b"{not json", 422, "malformed_json"),
        (lambda b: json.dumps({**json.loads(b), "extra": 1}), 422, "invalid_body"),
        (lambda b: json.dumps({**json.loads(b), "resync": "no"}), 422, "invalid_body"),
        (lambda b: b.replace(b'"seq": 1', b'"seq": "1"'), 422, "invalid_body"),
        (lambda b: b.replace(b'"schema_version": 1', b'"schema_version": 1.0'), 422, "invalid_body"),
        (lambda b: b.replace(b'"narrative": "x"', b'"narrative": 1.5'), 422, "invalid_body"),
        (lambda b: b.replace(b'"narrative": "x"', b'"narrative": "a\\u0000b"'), 422, "invalid_body"),
        (lambda b: b.replace(b'"narrative": "x"', b'"narrative": "\\ud800"'), 422, "invalid_body"),
        (lambda b: b.replace(b'"contact_note"', b'"risk_note"'), 422, "invalid_body"),
        # Nesting deeper than the JSON parser goes: refused as unreadable.
        (lambda b: b"[" * 100_000 + b"]" * 100_000, 400, "malformed_json"),
        (lambda b: b"x" * (MAX_BODY_BYTES + 1), 413, "body_too_large"),
    ],
)
def test_bad_bodies_are_refused_precisely_and_store_nothing(org: Org, mutate, status: int, reason: str) -> None:
    alice = org.device("alice")
    good = json.dumps(
        {"server_epoch": None, "resync": False, "items": [alice.record(org.persons["pa"], payload={"narrative": "x"})]}
    ).encode()
    body = mutate(good)
    got = _post(org, alice.token, body)
    assert got == (status, reason)
    with org.admin.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 0


def test_too_many_items_in_one_batch(org: Org) -> None:
    alice = org.device("alice")
    items = [alice.record(org.persons["pa"]) for _ in range(501)]
    answer = org.client.post(
        f"{V1}/push", headers=alice.headers, json={"server_epoch": None, "resync": False, "items": items}
    )
    assert (answer.status_code, answer.json()["reason"]) == (422, "invalid_body")


def test_unknown_routes_and_methods(org: Org) -> None:
    assert org.client.get(f"{V1}/nothing").json()["reason"] == "no_such_route"
    answer = org.client.delete(f"{V1}/push")
    assert (answer.status_code, answer.json()["reason"]) == (405, "method_not_allowed")


def test_openapi_is_published_and_every_body_refuses_unknown_fields(org: Org) -> None:
    document = org.client.get("/openapi.json").json()
    assert all(path.startswith(V1) for path in document["paths"])
    for name, schema in document["components"]["schemas"].items():
        if schema.get("type") == "object" and name not in ("HTTPValidationError", "ValidationError"):
            assert schema.get("additionalProperties") is False, name


def test_an_impossible_timestamp_is_refused_not_a_server_error(org: Org) -> None:
    """Found by the OpenAPI fuzzer: the pattern let "0000-00-00T…" through to the handler, which failed."""
    alice = org.device("alice")
    answer = org.client.post(
        f"{V1}/heartbeat",
        headers=alice.headers,
        json={
            "unsent": 0,
            "quarantined": 0,
            "app_version": "0.1",
            "schema_version": 1,
            "device_time": "0000-00-00T00:00:00.000000Z",
        },
    )
    assert (answer.status_code, answer.json()["reason"]) == (422, "invalid_body")
    record = {**alice.record(org.persons["pa"]), "authored_at": "2026-02-30T00:00:00.000000Z"}
    assert _post(org, alice.token, json.dumps({"server_epoch": None, "resync": False, "items": [record]})) == (
        422,
        "invalid_body",
    )
