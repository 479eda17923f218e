"""A flood of refused requests is counted, not logged one by one: one tally row and one audit event per
source, reason and minute, paths cut short, so it cannot fill the database or the disk."""

from __future__ import annotations

import warnings
from datetime import timedelta

from sqlalchemy import func, select

from sync.server.api import create_app
from sync.server.models import AuditEvent, RefusalTally
from sync.server.refusals import MAX_SOURCES, PATH_KEPT
from sync.server.settings import Settings
from tests.sync.conftest import V1, Org

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

LONG = "x" * 8000


def _counts(org: Org) -> tuple[int, int]:
    with org.admin.transaction() as session:
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "security.refused")
        )
        counted = session.scalar(select(func.coalesce(func.sum(RefusalTally.count), 0)))
        return events or 0, counted or 0


def test_a_flood_without_a_token_makes_one_audit_row_with_a_count(org: Org) -> None:
    for n in range(300):
        headers = {"Authorization": "Bearer forged"} if n % 2 else {}
        answer = org.client.get(f"{V1}/persons/{LONG}/snapshot", headers=headers)
        assert answer.status_code == 401
    events, _ = _counts(org)
    assert events == 2  # one for no_token, one for token_unknown
    # The next minute's first refusal writes what the last one still held in memory: every refusal is counted.
    org.clock.set(org.clock.now() + timedelta(minutes=1))
    org.client.get(f"{V1}/pull")
    events, counted = _counts(org)
    assert (events, counted) == (3, 301)
    with org.admin.transaction() as session:
        for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "security.refused")):
            assert len(event.detail["path"]) <= PATH_KEPT and len(event.detail["path_sha256"]) == 64


def test_many_sources_in_one_minute_are_bounded(org: Org) -> None:
    app = create_app(
        org.admin.engine.url.render_as_string(hide_password=False),
        clock=org.clock,
        settings=Settings(trusted_proxies=("127.0.0.1",)),
    )
    with TestClient(app, client=("127.0.0.1", 40000)) as proxied:
        for n in range(MAX_SOURCES + 50):
            answer = proxied.get(f"{V1}/pull", headers={"X-Forwarded-For": f"10.1.{n // 250}.{n % 250}"})
            assert answer.status_code == 401
    events, counted = _counts(org)
    assert events == MAX_SOURCES + 1 and counted == MAX_SOURCES + 50
    with org.admin.transaction() as session:
        assert session.get(RefusalTally, (org.clock.now().replace(second=0, microsecond=0), "many", "no_token", "-"))
    app.state.engine.dispose()


def test_a_revoked_devices_refusals_are_counted_per_device(org: Org) -> None:
    alice = org.device("alice")
    org.admin.revoke(str(alice.device_id))
    for _ in range(120):
        assert org.client.get(f"{V1}/pull", headers=alice.headers).status_code == 403
    with org.admin.transaction() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "security.refused")).all()
        assert (event.outcome, event.device_id) == ("device_revoked", alice.device_id)
