"""A person's snapshot is checked before any of it is applied: one cut short or altered on the way is
refused whole (nothing of it lands on the laptop), and the next sync takes a good one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from app.clock import SystemClock
from app.workspace import Workspace
from sync import protocol as p
from sync.client import SyncClient, SyncFailure
from sync.engine import SyncEngine, enrol
from tests.conftest import PASSPHRASE, TEST_KDF
from tests.sync.live.conftest import LiveServer
from tests.sync.live.helpers import local_records, persons


def _truncated(snap: p.PersonSnapshot) -> p.PersonSnapshot:
    return snap.model_copy(update={"records": snap.records[:-1]})


def _truncated_and_recounted(snap: p.PersonSnapshot) -> p.PersonSnapshot:
    return snap.model_copy(update={"records": snap.records[:-1], "count": snap.count - 1})


def _altered(snap: p.PersonSnapshot) -> p.PersonSnapshot:
    first = {**snap.records[0], "authored_at": "2020-01-01T00:00:00.000000Z"}
    return snap.model_copy(update={"records": [first, *snap.records[1:]]})


def _altered_and_rehashed_without_the_digest(snap: p.PersonSnapshot) -> p.PersonSnapshot:
    from storage import records

    first = {**snap.records[0], "authored_at": "2020-01-01T00:00:00.000000Z"}
    first["sha256"] = records.sha256({k: v for k, v in first.items() if k not in ("received_at", "flags")})
    return snap.model_copy(update={"records": [first, *snap.records[1:]]})


DAMAGES = (_truncated, _truncated_and_recounted, _altered, _altered_and_rehashed_without_the_digest)


def test_a_damaged_snapshot_is_refused_whole_and_the_next_sync_takes_a_good_one(
    live_server: LiveServer, tmp_path: Path
) -> None:
    damage: Callable[[p.PersonSnapshot], p.PersonSnapshot] = DAMAGES[0]

    class Damaging(SyncClient):
        def snapshot(self, person_id: uuid.UUID) -> p.PersonSnapshot:
            return damage(super().snapshot(person_id))

    workspace = Workspace.create(tmp_path / "laptop", PASSPHRASE, kdf=TEST_KDF, clock=SystemClock())
    try:
        enrol(workspace, live_server.url, live_server.code(), "test laptop", None)
        engine = SyncEngine(workspace, client_factory=lambda st, ca: Damaging(st.server, st.token, ca_file=ca))
        for damage in DAMAGES:  # Damaging.snapshot reads the loop variable
            with pytest.raises(SyncFailure) as refused:
                engine.sync()
            assert refused.value.reason == "snapshot_damaged" and refused.value.retry, damage.__name__
            message = str(refused.value)
            assert "none of it was used" in message and "Nothing recorded on this laptop was lost" in message
            assert persons(workspace) == [] and local_records(workspace) == {}, damage.__name__

        SyncEngine(workspace).sync()
        assert len(persons(workspace)) == 4
        assert set(local_records(workspace)) == set(live_server.records(area="eastmoor"))
    finally:
        workspace.close()
