"""A laptop whose token lapsed, against a real server: sync says to enrol again and loses nothing; enrolling
again with a new code renews the same device, and what was written meanwhile arrives."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update

from app.workspace import Workspace
from sync.client import SyncFailure
from sync.engine import SyncEngine, renew_enrolment
from sync.server.models import Device
from tests.conftest import PASSPHRASE, TEST_KDF
from tests.sync.live.conftest import LiveServer, child_env, enrolled_workspace
from tests.sync.live.helpers import local_records, persons, record_notes

ROOT = Path(__file__).resolve().parents[3]


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
        server = live_server.records(area="eastmoor")
        assert local_records(workspace) == {rid: h for rid, (h, _, _) in server.items()}
    finally:
        workspace.close()


def test_the_command_line_renews_a_lapsed_laptop_and_sends_what_waited(live_server: LiveServer, tmp_path: Path) -> None:
    """``waymark enrol --renew --code CODE``: the same device, nothing stored changed, the outbox sent."""
    data = tmp_path / "laptop"
    workspace = enrolled_workspace(live_server, data)
    try:
        record_notes(workspace, persons(workspace)[0], 2)
        pending = workspace.outbox_pending()
        before = SyncEngine(workspace).state()
    finally:
        workspace.close()
    _lapse_tokens(live_server)
    lapsed = _waymark("sync", "--data-dir", str(data))
    assert lapsed.returncode == 1 and "enrol it again" in lapsed.stderr
    used = live_server.code()
    renewed = _waymark("enrol", "--renew", "--code", used, "--data-dir", str(data))
    assert renewed.returncode == 0, renewed.stderr
    assert f"enrolment with {live_server.url} is renewed" in renewed.stdout
    assert f"{pending} records waiting to be sent kept their place" in renewed.stdout
    assert f"sent {pending} records" in renewed.stdout and "nothing waiting to send" in renewed.stdout
    # A used code renews nothing: one line, exit 1, nothing on the laptop changed.
    again = _waymark("enrol", "--renew", "--code", used, "--data-dir", str(data))
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    assert again.stderr.startswith("waymark: renewal did not finish:") and "Traceback" not in again.stderr
    workspace = Workspace.open(data, PASSPHRASE)
    try:
        after = SyncEngine(workspace).state()
        assert after.device_id == before.device_id and after.token != before.token
        assert workspace.outbox_pending() == 0
        assert local_records(workspace) == {rid: h for rid, (h, _, _) in live_server.records(area="eastmoor").items()}
    finally:
        workspace.close()


def test_renewing_needs_an_enrolled_store_and_no_server_address(live_server: LiveServer, tmp_path: Path) -> None:
    data = tmp_path / "laptop"
    wrong = _waymark("enrol", "--renew", "--code", "x", "--server", live_server.url, "--data-dir", str(data))
    assert wrong.returncode == 1 and "leave out --server" in wrong.stderr
    missing = _waymark("enrol", "--renew", "--code", "x", "--data-dir", str(data))
    assert missing.returncode == 1 and "no Waymark store" in missing.stderr and not data.exists()
    Workspace.create(data, PASSPHRASE, kdf=TEST_KDF).close()  # a store never enrolled
    never = _waymark("enrol", "--renew", "--code", "x", "--data-dir", str(data))
    assert never.returncode == 1 and "not enrolled, so there is nothing to renew" in never.stderr
    no_server = _waymark("enrol", "--code", "x", "--data-dir", str(tmp_path / "other"))
    assert no_server.returncode == 1 and "enrol needs --server URL" in no_server.stderr


def _waymark(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=ROOT,
        env={**child_env(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
