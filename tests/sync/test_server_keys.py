"""The server's signing and cursor keys live outside the database: in an owner-only keys file or the
environment, made at first start or by `admin create-keys`, moved out of databases that held them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from sync.server import keys
from sync.server.admin import Admin, AdminError
from sync.server.models import ServerMeta

BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def no_keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (keys.FILE_ENV, keys.SIGNING_ENV, keys.CURSOR_ENV):
        monkeypatch.delenv(name, raising=False)


def _db_bytes(db_file: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*") if not p.name.endswith(".keys"))


def test_first_start_makes_an_owner_only_keys_file_and_the_database_holds_no_secret(tmp_path: Path) -> None:
    db_file = tmp_path / "server.db"
    with Admin(f"sqlite:///{db_file}") as admin:
        admin.create_organisation("Org")
        held = admin.secrets
    key_file = tmp_path / "server.db.keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    for secret in (held.signing_hex, held.cursor_key.hex()):
        assert secret.encode() not in _db_bytes(db_file)
    # Started again, the same keys are read back.
    with Admin(f"sqlite:///{db_file}") as admin:
        assert admin.secrets.same_as(held)


def test_a_keys_file_others_can_read_is_refused(tmp_path: Path) -> None:
    db_file = tmp_path / "server.db"
    Admin(f"sqlite:///{db_file}").close()
    (tmp_path / "server.db.keys").chmod(0o644)
    with pytest.raises(AdminError, match="chmod 600"):
        Admin(f"sqlite:///{db_file}")


def test_another_deployments_keys_or_none_at_all_are_refused(tmp_path: Path) -> None:
    db_file = tmp_path / "server.db"
    Admin(f"sqlite:///{db_file}").close()
    stranger = tmp_path / "other.keys"
    keys.create(stranger)
    with pytest.raises(AdminError, match="not this database's"):
        Admin(f"sqlite:///{db_file}", keys_file=stranger)
    (tmp_path / "server.db.keys").unlink()
    with pytest.raises(AdminError, match="keys are missing"):
        Admin(f"sqlite:///{db_file}")


def test_keys_from_the_environment_make_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = keys.Secrets.generate()
    monkeypatch.setenv(keys.SIGNING_ENV, made.signing_hex)
    monkeypatch.setenv(keys.CURSOR_ENV, made.cursor_key.hex())
    with Admin(f"sqlite:///{tmp_path / 'server.db'}") as admin:
        assert admin.secrets.same_as(made)
    assert not list(tmp_path.glob("*.keys"))


def test_a_database_that_held_its_keys_has_them_moved_out_unchanged(tmp_path: Path) -> None:
    """Upgrading a server from before this change: the same keys, so enrolled devices still verify commands."""
    db_file = tmp_path / "server.db"
    with Admin(f"sqlite:///{db_file}") as admin:
        admin.create_organisation("Org")
        admin.create_team("East", "east", "england")
        admin.create_user("alice", "Alice", "worker", "east")
        old = keys.Secrets.generate()
        with admin.transaction() as session:
            # As the old schema kept them: plain hex rows, and no fingerprint.
            session.add(ServerMeta(key="signing_key", value=old.signing_hex))
            session.add(ServerMeta(key="cursor_key", value=old.cursor_key.hex()))
            session.delete(session.get(ServerMeta, "keys_fingerprint"))
    (tmp_path / "server.db.keys").unlink()
    with Admin(f"sqlite:///{db_file}") as admin:
        assert admin.secrets.same_as(old)
        with admin.transaction() as session:
            assert set(session.scalars(select(ServerMeta.key))) == {"epoch", "keys_fingerprint"}
    assert json.loads((tmp_path / "server.db.keys").read_text())["signing_key"] == old.signing_hex
    assert old.signing_hex.encode() not in _db_bytes(db_file)


def test_admin_create_keys_makes_the_file_once(tmp_path: Path) -> None:
    target = tmp_path / "deploy" / "server.keys"
    env = {k: v for k, v in os.environ.items() if k not in (keys.FILE_ENV, keys.SIGNING_ENV, keys.CURSOR_ENV)}
    made = subprocess.run(
        [str(BIN / "waymark-server"), "admin", "create-keys", "--keys", str(target)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert made.returncode == 0 and made.stdout.split()[0] == str(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    again = subprocess.run(
        [str(BIN / "waymark-server"), "admin", "create-keys", "--keys", str(target)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert (
        again.returncode == 1 and again.stderr.strip() == f"waymark-server: {target} already exists; it was not changed"
    )
    # The server then starts on it.
    Admin(f"sqlite:///{tmp_path / 'server.db'}", keys_file=target).close()
