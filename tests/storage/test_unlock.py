from pathlib import Path

import pytest

from app.errors import InvalidInput
from app.workspace import Workspace, change_passphrase
from storage.errors import WrongPassphrase
from storage.keyfile import KdfParams
from storage.store import THROTTLE_NAME, Throttle, store_files
from tests.conftest import PASSPHRASE, TEST_KDF


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_failed_unlocks_slow_down_and_never_wipe(demo_dir: Path) -> None:
    before = {p.name: p.read_bytes() for p in store_files(demo_dir) if p.exists()}
    t = FakeTime()
    for _ in range(4):
        throttle = Throttle(demo_dir / THROTTLE_NAME, sleep=t.sleep, clock=lambda: t.now)
        with pytest.raises(WrongPassphrase, match="Nothing has been changed"):
            Workspace.open(demo_dir, "wrong wrong wrong", throttle=throttle)
    assert t.slept == [1.0, 2.0, 4.0]
    after = {p.name: p.read_bytes() for p in store_files(demo_dir) if p.exists()}
    assert after == before
    throttle = Throttle(demo_dir / THROTTLE_NAME, sleep=t.sleep, clock=lambda: t.now)
    ws = Workspace.open(demo_dir, PASSPHRASE, throttle=throttle)
    ws.close()
    assert t.slept[-1] == 8.0
    assert Throttle(demo_dir / THROTTLE_NAME).failures == 0


def test_passphrase_change_rewraps_the_key_only(demo_dir: Path) -> None:
    db_before = (demo_dir / "waymark.db").read_bytes()
    change_passphrase(demo_dir, PASSPHRASE, "a new long passphrase", kdf=TEST_KDF)
    assert (demo_dir / "waymark.db").read_bytes() == db_before
    with pytest.raises(WrongPassphrase):
        Workspace.open(demo_dir, PASSPHRASE)
    Workspace.open(demo_dir, "a new long passphrase").close()
    with pytest.raises(InvalidInput, match="at least 8"):
        change_passphrase(demo_dir, "a new long passphrase", "short", kdf=TEST_KDF)


def test_kdf_parameters_below_the_floor_are_refused() -> None:
    with pytest.raises(ValueError):
        KdfParams(32 * 1024, 3, 4)
    with pytest.raises(ValueError):
        KdfParams(64 * 1024, 2, 4)
