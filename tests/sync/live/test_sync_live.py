"""The client engine against a real server process: sync-reference.md scenario 1 and the CLI."""

from __future__ import annotations

import shutil
import subprocess
from datetime import time, timedelta
from pathlib import Path

from sqlalchemy import select

from app.contact_notes import ContactMethod
from app.planned_contacts import ContactPlanDraft, PlannedContactDraft
from storage import models
from storage import outbox as outbox_store
from sync.engine import SyncEngine
from tests.sync.live.conftest import BIN, LiveServer, child_env, enrolled_workspace
from tests.sync.live.helpers import amend, local_records, persons, record_notes

WAYMARK = str(BIN / "waymark")


def test_first_sync_brings_the_caseload_and_every_record_matches_the_server(
    live_server: LiveServer, tmp_path: Path
) -> None:
    workspace = enrolled_workspace(live_server, tmp_path / "laptop")
    try:
        assert len(persons(workspace)) == 4
        mine = local_records(workspace)
        server = live_server.records(area="eastmoor")
        # Every record the server holds for this worker's persons is here, byte for byte (same hash).
        assert mine and mine == {rid: h for rid, (h, _, _) in server.items() if rid in mine}
        assert set(mine) == set(server)
        with workspace.uow.read() as session:
            planned = set(session.scalars(select(models.PlannedContact.id)))
        assert planned and planned == set(live_server.records(planned=True, area="eastmoor"))
    finally:
        workspace.close()


def test_scenario_1_days_offline_then_every_record_arrives_exactly_once(
    live_server: LiveServer, tmp_path: Path
) -> None:
    workspace = enrolled_workspace(live_server, tmp_path / "laptop")
    try:
        people = persons(workspace)
        notes = []
        for person in people:
            notes += record_notes(workspace, person, 15)
        for note in notes[:5]:
            amend(workspace, note)
        # 65 written by the worker, plus any welfare check the missed-contact policy derived meanwhile.
        pending = workspace.outbox_pending()
        assert pending >= 65

        report = SyncEngine(workspace, batch_items=7).sync()  # several batches

        assert report.acknowledged == pending and report.quarantined == 0
        assert workspace.outbox_pending() == 0
        server = live_server.records(area="eastmoor")
        mine = local_records(workspace)
        assert mine == {rid: h for rid, (h, _, _) in server.items()}
        with workspace.uow.read() as session:
            sent = list(session.scalars(select(models.OutboxItem).order_by(models.OutboxItem.seq)))
        # Server order per device equals the device's own order.
        assert [server[i.record_id][2] for i in sent] == sorted(server[i.record_id][2] for i in sent)
        again = SyncEngine(workspace).sync()
        assert again.acknowledged == 0 and again.received == 0
        with workspace.uow.read() as session:
            assert outbox_store.pending_count(session) == 0
    finally:
        workspace.close()


def test_two_workers_devices_converge(live_server: LiveServer, tmp_path: Path) -> None:
    first = enrolled_workspace(live_server, tmp_path / "a")
    second = enrolled_workspace(live_server, tmp_path / "b")
    try:
        ids = record_notes(first, persons(first)[0], 3)
        SyncEngine(first).sync()
        report = SyncEngine(second).sync()
        assert report.received == 3
        assert set(ids) <= set(local_records(second))
        assert local_records(first) == local_records(second)
    finally:
        first.close()
        second.close()


def test_planned_contacts_and_their_changes_round_trip_to_another_device(
    live_server: LiveServer, tmp_path: Path
) -> None:
    first = enrolled_workspace(live_server, tmp_path / "a")
    second = enrolled_workspace(live_server, tmp_path / "b")
    try:
        person = persons(first)[0]
        now = first.clock.now()
        visit, _ = first.planned.plan(
            PlannedContactDraft(person, now + timedelta(days=1), ContactMethod.HOME_VISIT, "Check in after the review",
                                "Sam, with their sister", window_end=now + timedelta(days=1, hours=3))
        )  # fmt: skip
        first.planned.reschedule(visit.id, now + timedelta(days=2), "Sam asked for Thursday")
        plan, _ = first.planned.increase(
            ContactPlanDraft(person, 2, now.date() + timedelta(days=1), now.date() + timedelta(days=9), time(10),
                             ContactMethod.PHONE, "Contact re-established after two misses", "Increased contact")
        )  # fmt: skip
        first.planned.end_plan(plan.id, "Settled; back to weekly")
        report = SyncEngine(first).sync()
        assert report.quarantined == 0 and first.outbox_pending() == 0
        server = live_server.records(area="eastmoor")
        mine = local_records(first)
        assert mine == {rid: h for rid, (h, _, _) in server.items() if rid in mine}, "the server holds them as sent"

        SyncEngine(second).sync()
        assert local_records(second) == local_records(first)
        # The other device folds the same schedule from the same records.
        assert second.planned.for_person(person) == first.planned.for_person(person)
        moved = [c for c in second.planned.for_person(person).contacts if c.purpose == "Check in after the review"]
        assert [c.status.value for c in moved] == ["rescheduled", "planned"]
        assert moved[0].change_reason == "Sam asked for Thursday" and moved[1].with_whom == "Sam, with their sister"
        (ended,) = second.planned.for_person(person).plans
        assert ended.end_reason == "Settled; back to weekly"
    finally:
        first.close()
        second.close()


def test_cli_enrol_and_sync_and_a_plain_reason_when_the_server_is_gone(live_server: LiveServer, tmp_path: Path) -> None:
    data = tmp_path / "cli"
    done = subprocess.run(
        [WAYMARK, "enrol", "--server", live_server.url, "--code", live_server.code(), "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "enrolled" in done.stdout and "Sync finished" in done.stdout and "received" in done.stdout

    done = subprocess.run(
        [WAYMARK, "sync", "--data-dir", str(data)], capture_output=True, text=True, env=child_env(), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "sent 0 records; received 0" in done.stdout

    live_server.stop()
    done = subprocess.run(
        [WAYMARK, "sync", "--data-dir", str(data)], capture_output=True, text=True, env=child_env(), timeout=120
    )
    assert done.returncode == 1
    assert "cannot be reached" in done.stderr and "Nothing recorded on this laptop was lost" in done.stderr


def test_scenario_14_server_restored_from_a_backup_gets_every_record_back(
    live_server: LiveServer, tmp_path: Path
) -> None:
    workspace = enrolled_workspace(live_server, tmp_path / "laptop")
    try:
        backup = tmp_path / "backup"
        live_server.stop()
        _copy_sqlite(live_server.db_file, backup)
        live_server.start()
        notes = record_notes(workspace, persons(workspace)[0], 6)
        SyncEngine(workspace).sync()
        assert set(notes) <= set(live_server.records())

        live_server.stop()  # the restore loses everything after the backup, and moves the epoch on
        _copy_sqlite(backup, live_server.db_file)
        live_server.admin("new-epoch")
        live_server.start()
        assert not set(notes) & set(live_server.records())

        report = SyncEngine(workspace).sync()
        assert report.resynced
        assert local_records(workspace) == {rid: h for rid, (h, _, _) in live_server.records(area="eastmoor").items()}
        assert workspace.outbox_pending() == 0
        assert SyncEngine(workspace).sync().resynced is False  # the new epoch is kept
    finally:
        workspace.close()


def _copy_sqlite(source: Path, target: Path) -> None:
    """An SQLite database with its WAL and shared memory, as a backup and a restore copy it."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
