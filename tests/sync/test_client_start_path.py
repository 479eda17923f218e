"""The desktop client never pays for the server: starting it imports no FastAPI, uvicorn, Alembic or psycopg."""

from __future__ import annotations

import subprocess
import sys


def test_the_client_start_path_imports_no_server_code() -> None:
    probe = (
        "import sys, ui.cli, sync.protocol; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'fastapi', 'uvicorn', 'alembic', 'psycopg'} "
        "or m.startswith('sync.server')); print(bad)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
