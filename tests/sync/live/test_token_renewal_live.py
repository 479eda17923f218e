"""A laptop whose token lapsed, against a real server: sync says to enrol again and loses nothing; enrolling
again with a new code renews the same device, and what was written meanwhile arrives."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update

from sync.client import SyncFailure
from sync.engine import SyncEngine, renew_enrolment
from sync.server.models import Device
from tests.sync.live.conftest import LiveServer, enrolled_workspace
from tests.sync.live.helpers import local_records, persons, record_notes


def _lapse_tokens(server: LiveServer) -> None:
    engine = create_engine(server.db)
    with engine.begin() as connection:
        connection.execute(update(Device).values(token_renewed_at=datetime(2000, 1, 1, tzinfo=UTC)))
    engine.dispose()


def test_a_lapsed_laptop_enrols_again_and_its_records_arrive(live_server: LiveServer, tmp_path: Path) -> None:
    workspace = enrolled_workspace(live_server, tmp_path / "laptop")
    try:
        record_notes(workspace, persons(workspace)[0], 3)
        pending = workspace.outbox_pending()
        _lapse_tokens(live_server)
        with pytest.raises(SyncFailure) as failed:
            SyncEngine(workspace).sync()
        assert failed.value.reason == "token_expired" and not failed.value.retry
        assert "enrol it again" in str(failed.value) and "Nothing recorded on this laptop was lost" in str(failed.value)
        assert workspace.outbox_pending() == pending
        before = SyncEngine(workspace).state()
        state = renew_enrolment(workspace, live_server.code(), "test laptop")
        assert state.device_id == before.device_id and state.token != before.token
        report = SyncEngine(workspace).sync()
        assert report.acknowledged == pending and workspace.outbox_pending() == 0
        server = live_server.records()
        assert local_records(workspace) == {rid: h for rid, (h, _, _) in server.items()}
    finally:
        workspace.close()
