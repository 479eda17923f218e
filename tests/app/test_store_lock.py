"""A second copy of the app on the same store is told the store is in use (issue 11, item 17)."""

import subprocess
import sys
from pathlib import Path

import pytest

from app.store_lock import StoreInUse
from app.workspace import Workspace
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_open_of_the_same_store_is_refused_until_the_first_closes(demo_dir, clock) -> None:
    first = Workspace.open(demo_dir, PASSPHRASE, clock=clock)
    try:
        with pytest.raises(StoreInUse, match="already open in another Waymark window"):
            Workspace.open(demo_dir, PASSPHRASE, clock=clock)
        # Refused before the passphrase was tried: no failed unlock counted, nothing slowed down.
        from app.unlock_wait import seconds_to_wait

        assert seconds_to_wait(demo_dir) == 0
    finally:
        first.close()
    Workspace.open(demo_dir, PASSPHRASE, clock=clock).close()


def test_another_process_is_told_the_store_is_in_use(demo_dir, clock) -> None:
    probe = (
        "import sys; from pathlib import Path; from app.workspace import Workspace\n"
        "try:\n    Workspace.open(Path(sys.argv[1]), sys.argv[2])\n"
        "except Exception as exc:\n    print(type(exc).__name__)\nelse:\n    print('opened')\n"
    )
    first = Workspace.open(demo_dir, PASSPHRASE, clock=clock)
    try:
        out = subprocess.run(
            [sys.executable, "-c", probe, str(demo_dir), PASSPHRASE], capture_output=True, text=True, cwd=ROOT
        )
        assert out.stdout.strip() == "StoreInUse", out.stderr
    finally:
        first.close()
    out = subprocess.run(
        [sys.executable, "-c", probe, str(demo_dir), PASSPHRASE], capture_output=True, text=True, cwd=ROOT
    )
    assert out.stdout.strip() == "opened", out.stderr
