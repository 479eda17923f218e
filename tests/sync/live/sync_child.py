"""One sync in its own process, for the tests that SIGKILL it: ``python -m tests.sync.live.sync_child DIR
BATCH LIMIT``. Prints ``open`` once the store is open, so the killer knows the sync itself has begun."""

from __future__ import annotations

import sys
from pathlib import Path

from app.workspace import Workspace
from sync.client import SyncFailure
from sync.engine import SyncEngine
from tests.conftest import PASSPHRASE


def main() -> int:
    data_dir, batch, limit = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    workspace = Workspace.open(data_dir, PASSPHRASE)
    print("open", flush=True)
    try:
        SyncEngine(workspace, batch_items=batch, pull_limit=limit).sync()
    except SyncFailure as failure:
        print(failure, file=sys.stderr)
        return 1
    finally:
        workspace.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
