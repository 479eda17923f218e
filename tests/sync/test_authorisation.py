"""Object-level authorisation over every route the OpenAPI document publishes.

Each route needs a probe here; a route added without one fails ``test_every_route_has_a_probe``.
Every probe asks for another person's records (or writes one) as someone who may not, and must be
refused (or answered without a trace of that person), with the attempt in the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from sync.server.models import AuditEvent, DeviceCommand, Record
from tests.conftest import NOW
from tests.sync.conftest import V1, DeviceClient, Org, nhs_number_of

PUBLIC = {("get", f"{V1}/health"), ("post", f"{V1}/enrol")}
BREAK_GLASS_REASON = "Police called the duty line about a welfare concern at the address."

Probe = Callable[[Org, dict[str, str], uuid.UUID, DeviceClient], httpx.Response]


def _push(org: Org, headers: dict[str, str], person: uuid.UUID, author: DeviceClient) -> httpx.Response:
    record = author.record(person)
    return org.client.post(
        f"{V1}/push", headers=headers, json={"server_epoch": None, "resync": False, "items": [record]}
    )


PROBES: dict[tuple[str, str], Probe] = {
    ("post", f"{V1}/push"): _push,
    ("get", f"{V1}/pull"): lambda org, h, person, d: org.client.get(f"{V1}/pull", headers=h),
    ("get", f"{V1}/persons/{{person_id}}/snapshot"): lambda org, h, person, d: org.client.get(
        f"{V1}/persons/{person}/snapshot", headers=h
    ),
    ("get", f"{V1}/conflicts"): lambda org, h, person, d: org.client.get(f"{V1}/conflicts", headers=h),
    ("post", f"{V1}/heartbeat"): lambda org, h, person, d: org.client.post(
        f"{V1}/heartbeat",
        headers=h,
        json={
            "unsent": 0,
            "quarantined": 0,
            "app_version": "0.1",
            "schema_version": 1,
            "device_time": "2026-11-26T14:30:00.000000Z",
        },
    ),
    ("get", f"{V1}/commands"): lambda org, h, person, d: org.client.get(f"{V1}/commands", headers=h),
    ("get", f"{V1}/team/health"): lambda org, h, person, d: org.client.get(f"{V1}/team/health", headers=h),
    ("post", f"{V1}/persons/{{person_id}}/break-glass"): lambda org, h, person, d: org.client.post(
        f"{V1}/persons/{person}/break-glass", headers=h, json={"reason": BREAK_GLASS_REASON}
    ),
    ("get", f"{V1}/break-glass"): lambda org, h, person, d: org.client.get(f"{V1}/break-glass", headers=h),
    ("post", f"{V1}/break-glass"): lambda org, h, person, d: org.client.post(
        f"{V1}/break-glass", headers=h, json={"nhs_number": nhs_number_of(org, person), "reason": BREAK_GLASS_REASON}
    ),
    # The organisation's pathways and directory: nobody's records, and nothing of another organisation.
    ("get", f"{V1}/documents"): lambda org, h, person, d: org.client.get(f"{V1}/documents", headers=h),
    ("post", f"{V1}/commands/{{command_id}}/ack"): lambda org, h, person, d: org.client.post(
        f"{V1}/commands/{org_command(org, person)}/ack", headers=h, json={"outcome": "done", "detail": None}
    ),
}


def org_command(org: Org, person: uuid.UUID) -> uuid.UUID:
    """A real command, sent to the victim's device: nobody else may acknowledge it."""
    with org.admin.transaction() as session:
        command = session.scalars(select(DeviceCommand.id)).first()
        assert command is not None
        return command


def routes(org: Org) -> list[tuple[str, str]]:
    document = org.client.get("/openapi.json").json()
    return sorted((method, path) for path, item in document["paths"].items() for method in item)


def test_every_route_has_a_probe(org: Org) -> None:
    assert set(routes(org)) - PUBLIC == set(PROBES)


def security_events(org: Org) -> int:
    with org.admin.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("security.%")))
            or 0
        )


def leaks(answer: httpx.Response, person: uuid.UUID, secret: str) -> bool:
    return str(person) in answer.text or secret in answer.text


def _setup(org: Org) -> tuple[uuid.UUID, str, DeviceClient]:
    """Bob's person pb holds a note; bob's device has a pending command that is his alone."""
    bob = org.device("bob")
    secret = "BOB-ONLY-NARRATIVE"
    bob.push(bob.record(org.persons["pb"], payload={"narrative": secret}))
    org.admin.purge_person(str(bob.device_id), str(org.persons["pb"]))
    return org.persons["pb"], secret, bob


def _check_refused_or_blind(
    org: Org, headers: dict[str, str], key: tuple[str, str], person: uuid.UUID, secret: str, author: DeviceClient
) -> None:
    before = security_events(org)
    answer = PROBES[key](org, headers, person, author)
    assert answer.status_code < 500, answer.text
    if answer.status_code in (401, 403, 404):
        assert security_events(org) > before, f"{key} refused without an audit event"
    elif key == ("post", f"{V1}/push"):
        [result] = answer.json()["results"]
        assert result["status"] == "rejected", key
        assert security_events(org) > before
    else:
        assert answer.status_code == 200, (key, answer.text)
        body = answer.json()
        assert not leaks(answer, person, secret) or body.get("commands"), key
        assert secret not in answer.text and str(person) not in str(body.get("scope", []))
        assert all(c.get("person_id") != str(person) for c in body.get("changes", []))


@pytest.mark.parametrize("key", sorted(PROBES))
def test_worker_a_cannot_reach_worker_bs_person(org: Org, key: tuple[str, str]) -> None:
    person, secret, _bob = _setup(org)
    alice = org.device("alice")
    _check_refused_or_blind(org, alice.headers, key, person, secret, alice)


@pytest.mark.parametrize("key", sorted(PROBES))
def test_a_team_lead_cannot_reach_another_teams_person(org: Org, key: tuple[str, str]) -> None:
    carol = org.device("carol")
    carol.push(carol.record(org.persons["pw"], payload={"narrative": "WEST-ONLY"}))
    org.admin.purge_person(str(carol.device_id), str(org.persons["pw"]))
    lead = org.device("lead.east")
    _check_refused_or_blind(org, lead.headers, key, org.persons["pw"], "WEST-ONLY", lead)


@pytest.mark.parametrize("key", sorted(PROBES))
def test_an_expired_cover_reaches_nothing(org: Org, key: tuple[str, str]) -> None:
    person, secret, _bob = _setup(org)
    org.admin.cover("duty", NOW - timedelta(hours=10), NOW - timedelta(hours=2), team="east")
    duty = org.device("duty")
    if key == ("post", f"{V1}/push"):
        # Held during the shift: a note written then is kept (flagged), never a fresh right to read.
        [result] = PROBES[key](org, duty.headers, person, duty).json()["results"]
        assert result["flags"] == ["after_reassignment"]
        return
    if key in {("post", f"{V1}/persons/{{person_id}}/break-glass"), ("post", f"{V1}/break-glass")}:
        # The one way in for duty staff, and never a silent one: reasoned, time-limited, audited.
        before = security_events(org)
        answer = PROBES[key](org, duty.headers, person, duty)
        assert answer.status_code == 200 and secret not in answer.text
        grant = answer.json()["grant"]
        assert grant["reason"] == BREAK_GLASS_REASON and grant["person_id"] == str(person)
        assert security_events(org) == before + 1
        return
    _check_refused_or_blind(org, duty.headers, key, person, secret, duty)


@pytest.mark.parametrize("key", sorted(PROBES))
@pytest.mark.parametrize("who", ["no token", "forged token", "revoked device"])
def test_without_a_live_device_every_route_is_refused(org: Org, key: tuple[str, str], who: str) -> None:
    person, secret, bob = _setup(org)
    headers: dict[str, str] = {}
    if who == "forged token":
        headers = {"Authorization": "Bearer " + "A" * 43}
    elif who == "revoked device":
        org.admin.revoke(str(bob.device_id))
        headers = bob.headers
    before = security_events(org)
    answer = PROBES[key](org, headers, person, bob)
    if who == "revoked device" and key in {("get", f"{V1}/commands"), ("post", f"{V1}/commands/{{command_id}}/ack")}:
        # The one thing a revoked device may still do: hear the signed revoke, and say it wiped.
        assert answer.status_code == 200
        return
    assert answer.status_code in (401, 403), (key, answer.status_code, answer.text)
    assert not leaks(answer, person, secret)
    assert security_events(org) > before
    if who == "revoked device" and key == ("post", f"{V1}/push"):
        with org.admin.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Record)) == 1  # only bob's earlier note
