"""Forks one sync per request, for the kill loops: ``python -m tests.sync.live.sync_zygote``.

Starting a fresh interpreter per kill cost about 2 s here (imports, then the passphrase's key derivation),
which kept the loops short. This process pays both once: it imports everything a sync uses and remembers
the derived wrapping key of the stores it has opened; each request then forks a child that opens the real
encrypted store (unwrapping the data key with it), syncs with the real engine and is SIGKILLed by the test
like any process. Only the key derivation is shared, and it is not what these tests are about.

Line protocol: stdin ``sync DIR BATCH LIMIT`` → stdout ``open PID`` once that child's store is open, then
``exit PID STATUS`` when it ends (its exit code, or minus the signal that ended it).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from app.workspace import Workspace
from storage import keyfile
from sync.client import SyncFailure
from sync.engine import SyncEngine
from tests.conftest import PASSPHRASE


def _child(data_dir: Path, batch: int, limit: int) -> int:
    workspace = Workspace.open(data_dir, PASSPHRASE)
    print(f"open {os.getpid()}", flush=True)
    try:
        SyncEngine(workspace, batch_items=batch, pull_limit=limit).sync()
    except SyncFailure as failure:
        print(failure, file=sys.stderr, flush=True)
        return 1
    finally:
        workspace.close()
    return 0


def main() -> int:
    keyfile.derive = functools.lru_cache(maxsize=8)(keyfile.derive)  # type: ignore[assignment]
    print("ready", flush=True)
    warmed: set[str] = set()
    for line in sys.stdin:
        _verb, data_dir, batch, limit = line.split()
        if data_dir not in warmed:
            Workspace.open(Path(data_dir), PASSPHRASE).close()  # derives the key here, once per store
            warmed.add(data_dir)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(Path(data_dir), int(batch), int(limit))
            finally:
                os._exit(code)  # never run the parent's exit handlers in the child
        _pid, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(f"exit {pid} {code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
