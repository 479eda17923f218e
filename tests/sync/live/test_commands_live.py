"""Scenarios 11 and 12 against a real server: a revoked laptop shreds itself, a retired one sends
everything first; a forged command does nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from storage.layout import db_path, key_path
from sync.commands import verified
from sync.engine import SyncEngine, Wiped
from sync.protocol import Command
from sync.withdrawal import read_withdrawal
from tests.sync.live.conftest import LiveServer, enrolled_workspace
from tests.sync.live.helpers import persons, record_notes


def _store_gone(data_dir: Path) -> bool:
    db = db_path(data_dir)
    wal, shm = db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")
    return not any(p.exists() for p in (key_path(data_dir), db, wal, shm))


def test_scenario_11_a_revoked_laptop_shreds_its_store_and_acknowledges(
    live_server: LiveServer, tmp_path: Path
) -> None:
    data = tmp_path / "lost"
    workspace = enrolled_workspace(live_server, data)
    device = SyncEngine(workspace).state().device_id
    live_server.admin("revoke", device)
    with pytest.raises(Wiped) as caught:
        SyncEngine(workspace).sync()
    assert "erased" in str(caught.value)
    assert _store_gone(data)
    assert device in live_server.admin("devices") and "revoked" in live_server.admin("devices")


def test_scenario_12_retire_sends_the_seven_unsent_notes_before_the_wipe(
    live_server: LiveServer, tmp_path: Path
) -> None:
    data = tmp_path / "leaver"
    workspace = enrolled_workspace(live_server, data)
    notes = record_notes(workspace, persons(workspace)[0], 7)
    device = SyncEngine(workspace).state().device_id
    live_server.admin("retire", device)
    with pytest.raises(Wiped) as caught:
        SyncEngine(workspace).sync()
    assert "withdrawn from Waymark" in str(caught.value)
    assert "Nothing recorded on it was lost" in str(caught.value)
    withdrawal = read_withdrawal(data)
    assert withdrawal is not None and withdrawal.kind == "retire" and withdrawal.unsent == 0
    assert withdrawal.sent >= 7 and f"{withdrawal.sent} records had been sent" in str(caught.value)
    assert set(notes) <= set(live_server.records())
    assert _store_gone(data)


def test_a_forged_or_misaddressed_command_is_not_obeyed() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from sync.protocol import canonical_bytes

    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    device = str(uuid.uuid4())
    fields = {
        "command_id": str(uuid.uuid4()),
        "kind": "revoke",
        "device_id": device,
        "person_id": None,
        "issued_at": "2026-12-01T06:00:00.000000Z",
    }
    public = key.public_key().public_bytes_raw().hex()
    good = Command(**fields, signature=key.sign(canonical_bytes(fields)).hex())
    forged = Command(**fields, signature=other.sign(canonical_bytes(fields)).hex())
    assert verified(good, public, device)
    assert not verified(forged, public, device)
    assert not verified(good, public, str(uuid.uuid4()))
    assert not verified(Command(**fields, signature="00" * 64), public, device)
