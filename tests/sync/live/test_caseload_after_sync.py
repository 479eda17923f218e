"""Persons received from the server are on the worker's caseload, and leave it with their scope (the
server's scope is the caseload of an enrolled laptop)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.lease import LeaseState
from app.workspace import Workspace
from sync.engine import SyncEngine
from tests.sync.live.conftest import LEAD, LiveServer, enrolled_workspace
from tests.sync.live.helpers import persons, record_notes


def _caseload(workspace: Workspace) -> set[object]:
    return {row.person_id for row in workspace.caseload.rows()}


def test_persons_received_at_the_first_sync_are_on_the_caseload(live_server: LiveServer, tmp_path: Path) -> None:
    workspace = enrolled_workspace(live_server, tmp_path / "laptop")
    try:
        assert len(persons(workspace)) == 4
        assert _caseload(workspace) == set(persons(workspace))
        assert workspace.cover_now() == [], "their own caseload is held as assigned, not as cover"
        # The worker's own team decides "in hours" and the crisis lines shown (the enrolment answer's team).
        assert workspace.home_team()[0] == "eastmoor"
        # Each sync renews the offline lease for as long as the organisation says (7 days unless set).
        lease = workspace.lease()
        assert lease.state is LeaseState.FULL and lease.until is not None
        assert abs(lease.until - datetime.now(UTC) - timedelta(days=7)) < timedelta(minutes=5)
        live_server.admin("set-lease", "--days", "2")
        SyncEngine(workspace).sync()
        assert workspace.lease().state is LeaseState.ENDING, "two days: the worker is warned from now"
    finally:
        workspace.close()


def test_a_team_lead_sees_the_team_and_an_unassigned_person_leaves_only_after_their_note_is_sent(
    live_server: LiveServer, tmp_path: Path
) -> None:
    lead = enrolled_workspace(live_server, tmp_path / "lead", user=LEAD)
    worker = enrolled_workspace(live_server, tmp_path / "worker")
    try:
        assert _caseload(lead) == set(persons(lead)) and len(persons(lead)) == 4
        leaving = persons(worker)[0]
        note = record_notes(worker, leaving, 1)[0]
        live_server.admin("unassign", "--user", "sam.okafor", "--person", str(leaving))
        # Offline meanwhile: the person and the unsent note stay where the worker can see them.
        assert leaving in _caseload(worker)
        SyncEngine(worker).sync()
        assert note in live_server.records()
        assert leaving not in persons(worker) and leaving not in _caseload(worker)
        live_server.admin("assign", "--user", "sam.okafor", "--person", str(leaving))
        SyncEngine(worker).sync()
        assert leaving in _caseload(worker)
    finally:
        lead.close()
        worker.close()
