"""A device's quarantine has a quota (records and bytes): past it, its pushes are refused in plain words and
the device is flagged for a team lead; nothing it sent is dropped, and it pushes again once reviewed."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from sync.client import _refusal
from sync.protocol import ErrorBody
from sync.server.api import create_app
from sync.server.models import AuditEvent, Quarantine, Record
from sync.server.settings import Settings
from tests.sync.conftest import V1, DeviceClient, Org

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def strict(org: Org) -> Iterator[Org]:
    """The same organisation behind a server with a quota of three quarantined records or 4 KiB."""
    app = create_app(
        org.admin.engine.url.render_as_string(hide_password=False),
        clock=org.clock,
        settings=Settings(quarantine_items=3, quarantine_bytes=4096),
    )
    with TestClient(app) as client:
        yield Org(org.admin, org.clock, client, org.users, org.persons)
    app.state.engine.dispose()


def _held(org: Org) -> tuple[int, int]:
    with org.admin.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Quarantine)) or 0,
            session.scalar(select(func.count()).select_from(Record)) or 0,
        )


def _not_hers(alice: DeviceClient, org: Org, narrative: str = "x") -> dict[str, object]:
    return alice.record(org.persons["pw"], payload={"narrative": narrative})


def test_over_the_count_the_device_is_refused_and_flagged_and_nothing_is_dropped(strict: Org) -> None:
    org = strict
    alice = org.device("alice")
    alice.push(_not_hers(alice, org), _not_hers(alice, org), alice.record(org.persons["pa"]))
    assert org.admin.devices()[0].quarantine_full_at is None
    # The batch that crosses the quota is still kept whole.
    answer = alice.push(_not_hers(alice, org), alice.record(org.persons["pa"]))
    assert [r["status"] for r in answer["results"]] == ["rejected", "accepted"]
    assert _held(org) == (3, 2)
    [row] = [d for d in org.admin.devices() if d.device_id == alice.device_id]
    assert row.quarantine_full_at is not None
    pending = alice.record(org.persons["pa"])
    refused = org.client.post(
        f"{V1}/push", headers=alice.headers, json={"server_epoch": None, "resync": False, "items": [pending]}
    )
    assert (refused.status_code, refused.json()["reason"]) == (403, "quarantine_full")
    assert "Nothing is lost" in refused.json()["message"]
    assert _held(org) == (3, 2)
    with org.admin.transaction() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "sync.quarantine_full")).one()
    # Once a team lead has looked, the record the device still holds goes through, and the quota counts afresh.
    org.admin.quarantine_reviewed(str(alice.device_id))
    assert alice.push(pending)["results"][0]["status"] == "accepted"
    assert _held(org) == (3, 3)
    alice.push(_not_hers(alice, org))
    assert all(d.quarantine_full_at is None for d in org.admin.devices())


def test_over_the_bytes_the_device_is_flagged(strict: Org) -> None:
    org = strict
    alice = org.device("alice")
    alice.push(_not_hers(alice, org, "y" * 5000))
    [row] = [d for d in org.admin.devices() if d.device_id == alice.device_id]
    assert row.quarantine_full_at is not None
    alice.push(alice.record(org.persons["pa"]), expect=403)


def test_the_laptop_says_it_in_plain_words() -> None:
    body = ErrorBody(reason="quarantine_full", message="…").model_dump_json().encode()
    failure = _refusal(403, body)
    assert failure.retry and "Nothing recorded on this laptop was lost" in str(failure)
    assert "team lead" in str(failure)
