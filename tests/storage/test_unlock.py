import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.audit import AuditAction
from app.errors import InvalidInput
from app.workspace import Workspace, change_passphrase
from storage.errors import WrongPassphrase
from storage.keyfile import KdfParams, KeyFile
from storage.models import AuditEvent
from storage.store import KEY_NAME, MAX_DELAY_SECONDS, THROTTLE_NAME, Throttle, store_files, unwrap_key
from tests.conftest import PASSPHRASE, TEST_KDF


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_failed_unlocks_slow_down_and_never_wipe(demo_dir: Path) -> None:
    before = {p.name: p.read_bytes() for p in store_files(demo_dir) if p.exists() and p.name != KEY_NAME}
    key_before = KeyFile.read(demo_dir / KEY_NAME)
    t = FakeTime()
    for _ in range(4):
        throttle = Throttle(demo_dir / THROTTLE_NAME, sleep=t.sleep, clock=lambda: t.now)
        with pytest.raises(WrongPassphrase, match="Nothing has been changed"):
            Workspace.open(demo_dir, "wrong wrong wrong", throttle=throttle)
    assert t.slept == [1.0, 2.0, 4.0]
    after = {p.name: p.read_bytes() for p in store_files(demo_dir) if p.exists() and p.name != KEY_NAME}
    assert after == before
    # The key file now also carries the failure count, beside a wrapped key that is unchanged.
    assert KeyFile.read(demo_dir / KEY_NAME) == key_before
    throttle = Throttle(demo_dir / THROTTLE_NAME, sleep=t.sleep, clock=lambda: t.now)
    ws = Workspace.open(demo_dir, PASSPHRASE, throttle=throttle)
    ws.close()
    assert t.slept[-1] == 8.0
    assert Throttle(demo_dir / THROTTLE_NAME).failures == 0


def test_passphrase_change_rewraps_the_key_only_and_is_audited(demo_dir: Path) -> None:
    data_key = unwrap_key(demo_dir, PASSPHRASE)
    change_passphrase(demo_dir, PASSPHRASE, "a new long passphrase", kdf=TEST_KDF)
    assert unwrap_key(demo_dir, "a new long passphrase") == data_key, "the database is not re-encrypted"
    ws = Workspace.open(demo_dir, "a new long passphrase")
    with ws.store.sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    ws.close()
    assert actions[-2:] == [AuditAction.PASSPHRASE_CHANGED, AuditAction.LOGIN]
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


def _set_attempts(demo_dir: Path, failures: int, last_failure: float) -> None:
    (demo_dir / THROTTLE_NAME).write_text(json.dumps({"failures": failures, "last_failure": last_failure}))


def test_a_huge_failure_count_is_capped_and_the_right_passphrase_still_opens(demo_dir: Path) -> None:
    t = FakeTime()
    _set_attempts(demo_dir, 5000, t.now)
    throttle = Throttle(demo_dir / THROTTLE_NAME, sleep=t.sleep, clock=lambda: t.now)
    assert throttle.delay() == MAX_DELAY_SECONDS
    Workspace.open(demo_dir, PASSPHRASE, throttle=throttle).close()
    assert t.slept == [MAX_DELAY_SECONDS]
    assert Throttle(demo_dir / THROTTLE_NAME).failures == 0


def test_deleting_the_attempts_file_does_not_reset_the_wait(demo_dir: Path) -> None:
    t = FakeTime()
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            Workspace.open(
                demo_dir, "wrong wrong wrong", throttle=Throttle(demo_dir / THROTTLE_NAME, t.sleep, lambda: t.now)
            )
    (demo_dir / THROTTLE_NAME).unlink()
    assert Throttle(demo_dir / THROTTLE_NAME, t.sleep, lambda: t.now).delay() == 4.0
    Workspace.open(demo_dir, PASSPHRASE).close()  # the key file still reads, with the count in it


def test_a_failure_in_the_future_counts_as_now(demo_dir: Path) -> None:
    t = FakeTime()
    _set_attempts(demo_dir, 3, t.now + 10 * 365 * 86400)  # the clock was stepped back a decade
    throttle = Throttle(demo_dir / THROTTLE_NAME, sleep=t.sleep, clock=lambda: t.now)
    assert throttle.delay() == 4.0
    Workspace.open(demo_dir, PASSPHRASE, throttle=throttle).close()
    assert t.slept == [4.0]


def test_a_folder_in_place_of_the_attempts_file_neither_crashes_nor_removes_the_wait(demo_dir: Path) -> None:
    (demo_dir / THROTTLE_NAME).mkdir()
    t = FakeTime()
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            Workspace.open(
                demo_dir, "wrong wrong wrong", throttle=Throttle(demo_dir / THROTTLE_NAME, t.sleep, lambda: t.now)
            )
    assert Throttle(demo_dir / THROTTLE_NAME, t.sleep, lambda: t.now).delay() == 2.0
    Workspace.open(demo_dir, PASSPHRASE, throttle=Throttle(demo_dir / THROTTLE_NAME, t.sleep, lambda: t.now)).close()


def test_parallel_guesses_queue_instead_of_sharing_one_wait(demo_dir: Path) -> None:
    _set_attempts(demo_dir, 1, time.time())
    finished: list[float] = []

    def guess() -> None:
        with pytest.raises(WrongPassphrase):
            unwrap_key(demo_dir, "wrong wrong wrong")
        finished.append(time.monotonic())

    start = time.monotonic()
    threads = [threading.Thread(target=guess) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = sorted(f - start for f in finished)
    # Without the lock both wait the same 1 s; with it the second waits for the first's failure too (2 s).
    assert second - first >= 1.5, (first, second)
